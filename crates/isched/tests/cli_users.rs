//! `isched login`, `isched users ...` and `isched logout` against a running server.

use isched_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestApp, spawn_app};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};
use tokio::io::AsyncWriteExt;

struct Cli {
    home: tempfile::TempDir,
}

impl Cli {
    async fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_isched"))
            .args(args)
            .env_remove("ISCHED_CONFIG")
            .env_remove("ISCHED_URL")
            .env_remove("ISCHED_TOKEN")
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("HOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("isched runs");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.as_bytes())
            .await
            .expect("write stdin");
        drop(input);
        child.wait_with_output().await.expect("isched finishes")
    }

    async fn ok(&self, args: &[&str], stdin: &str) -> (String, String) {
        let o = self.run(args, stdin).await;
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert!(o.status.success(), "isched {args:?} failed:\n{out}\n{err}");
        (out, err)
    }
}

async fn login(cli: &Cli, app: &TestApp, email: &str, answers: &str) -> (String, String) {
    cli.ok(
        &[
            "login",
            "--url",
            &app.base_url,
            "--email",
            email,
            "--password-stdin",
        ],
        answers,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_manages_users_from_the_command_line() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let cli = Cli {
        home: tempfile::tempdir().expect("home"),
    };

    let wrong = cli
        .run(
            &[
                "login",
                "--url",
                &app.base_url,
                "--email",
                ADMIN_EMAIL,
                "--password-stdin",
            ],
            "nope\n",
        )
        .await;
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("incorrect email or password"));

    let (out, _) = login(&cli, &app, ADMIN_EMAIL, &format!("{ADMIN_PASSWORD}\n")).await;
    assert!(out.contains("Signed in"), "{out}");
    let file = cli.home.path().join("isched/credentials.json");
    let mode = std::fs::metadata(&file)
        .expect("credentials saved")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "only the user may read the credentials");
    assert!(
        !std::fs::read_to_string(&file)
            .expect("read")
            .contains(ADMIN_PASSWORD),
        "the password is not stored"
    );

    let (_, err) = cli
        .ok(
            &[
                "users",
                "create",
                "Bob@Isched.Test",
                "--group",
                "user",
                "--group",
                "ops",
            ],
            "",
        )
        .await;
    let temporary = err
        .rsplit(": ")
        .next()
        .expect("password printed")
        .trim()
        .to_owned();
    let (out, _) = cli.ok(&["users", "list", "--format", "json"], "").await;
    let users: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let bob = users
        .iter()
        .find(|u| u["email"] == "bob@isched.test")
        .expect("bob listed");
    assert_eq!(bob["groups"], serde_json::json!(["ops", "user"]));
    assert_eq!(bob["status"], "must_change_password");
    let (out, _) = cli
        .ok(&["users", "groups", "bob@isched.test", "--set", "user"], "")
        .await;
    assert_eq!(out.trim(), "user");
    cli.ok(&["users", "disable", "bob@isched.test"], "").await;
    cli.ok(&["users", "enable", "bob@isched.test"], "").await;
    let (out, _) = cli.ok(&["users", "list"], "").await;
    assert!(
        out.contains("bob@isched.test") && out.contains("must_change_password"),
        "{out}"
    );
    let unknown = cli
        .run(&["users", "disable", "nobody@isched.test"], "")
        .await;
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no user with email nobody@isched.test")
    );

    // Bob signs in from his own machine and answers the new-password challenge.
    let bob_cli = Cli {
        home: tempfile::tempdir().expect("home"),
    };
    let (out, _) = login(
        &bob_cli,
        &app,
        "bob@isched.test",
        &format!("{temporary}\nbobs-own-password\n"),
    )
    .await;
    assert!(out.contains("Signed in"), "{out}");
    let denied = bob_cli.run(&["users", "list"], "").await;
    assert!(!denied.status.success());
    assert!(String::from_utf8_lossy(&denied.stderr).contains("admin group"));
    bob_cli.ok(&["logout"], "").await;
    assert!(!bob_cli.home.path().join("isched/credentials.json").exists());

    // Admin commands need a recent sign-in.
    app.clock.advance(jiff::SignedDuration::from_mins(11));
    let stale = cli.run(&["users", "list"], "").await;
    assert!(
        String::from_utf8_lossy(&stale.stderr).contains("Run `isched login` again"),
        "{}",
        String::from_utf8_lossy(&stale.stderr)
    );
    login(&cli, &app, ADMIN_EMAIL, &format!("{ADMIN_PASSWORD}\n")).await;
    cli.ok(&["users", "reset-password", "bob@isched.test"], "")
        .await;
    cli.ok(&["users", "delete", "bob@isched.test"], "").await;
    let (out, _) = cli.ok(&["users", "list", "--format", "json"], "").await;
    assert_eq!(out.lines().count(), 1, "only the admin is left");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_creates_an_instance_from_the_command_line() {
    let Some(app) = isched_testkit::spawn_app_with(Backend::Sqlite, |c| {
        c.sandbox.transition_secs = 0;
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    for (path, body) in [
        (
            "/api/v1/periods",
            serde_json::json!({ "name": "office", "begintime": "09:00", "endtime": "17:00" }),
        ),
        (
            "/api/v1/schedules",
            serde_json::json!({ "name": "office", "timezone": "UTC", "periods": ["office"] }),
        ),
        (
            "/api/v1/templates",
            serde_json::json!({ "name": "dev-box", "image": "sbx-ubuntu", "instance_types": ["t3.micro"], "schedule": "office" }),
        ),
    ] {
        assert_eq!(
            app.post(path, Some(&admin), &body).await.status(),
            201,
            "{path}"
        );
    }
    app.user_token(&admin, "dev@isched.test", "dev-password-1")
        .await;
    let cli = Cli {
        home: tempfile::tempdir().expect("home"),
    };
    login(&cli, &app, "dev@isched.test", "dev-password-1\n").await;

    let (out, _) = cli
        .ok(
            &[
                "instances",
                "create",
                "--template",
                "dev-box",
                "--name",
                "box-1",
                "--idempotency-key",
                "k-1",
            ],
            "",
        )
        .await;
    assert!(out.contains(": succeeded"), "{out}");
    assert!(
        out.contains("password") && out.contains("shown only this once"),
        "{out}"
    );
    let job = out
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("Job "))
        .and_then(|l| l.split(':').next())
        .expect("job id")
        .to_owned();
    let (shown, _) = cli.ok(&["jobs", "show", &job], "").await;
    assert!(
        shown.contains("fingerprint SHA256:") && !shown.contains("password"),
        "{shown}"
    );

    let (list, _) = cli.ok(&["instances", "list", "--format", "json"], "").await;
    let instance: Value = serde_json::from_str(list.lines().next().expect("one")).expect("json");
    assert_eq!(instance["name"], "box-1");
    assert_eq!(instance["state"], "running");
    let id = instance["id"].as_str().expect("id");
    let (out, _) = cli.ok(&["instances", "stop", id], "").await;
    assert!(out.contains("stopping"), "{out}");
    let (out, _) = cli.ok(&["instances", "terminate", id], "").await;
    assert!(out.contains("terminated"), "{out}");
    let refused = cli.run(&["instances", "force-stop", id], "").await;
    assert!(!refused.status.success(), "users cannot force-stop");
    app.stop().await;
}
