//! The `isched` binary as users run it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

fn isched(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isched"))
        .args(args)
        .env_remove("ISCHED_CONFIG")
        .output()
        .expect("isched runs")
}

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .display()
        .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_and_help() {
    let o = isched(&["--version"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).trim(),
        format!("isched {}", env!("CARGO_PKG_VERSION"))
    );
    let o = isched(&["--help"]);
    assert!(stdout(&o).contains("serve") && stdout(&o).contains("schedule"));
}

#[test]
fn bad_configuration_exits_2_naming_the_key() {
    let o = Command::new(env!("CARGO_BIN_EXE_isched"))
        .arg("serve")
        .env("ISCHED_LISTEN", "abc")
        .env("ISCHED_DATABASE_URL", "sqlite::memory:")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(r#"ISCHED_LISTEN: "abc" is not an address:port"#),
        "{}",
        stderr(&o)
    );
}

#[test]
fn eval_answers_each_case_and_reports_malformed_ones() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("cases.jsonl");
    let mut f = std::fs::File::create(&path).expect("create");
    writeln!(f, r#"{{"id":"a","periods":[{{"name":"p","begintime":"09:00","endtime":"17:00"}}],"schedule":{{"name":"s","timezone":"America/New_York","periods":["p@t3.large"]}},"at":"2026-06-01T14:00:00Z"}}"#).unwrap_or_default();
    writeln!(f, r#"{{"id":"bad","periods":[{{"name":"p","weekdays":"mon-fri/x"}}],"schedule":{{"name":"s","periods":["p"]}},"at":"2026-06-01T14:00:00Z"}}"#).unwrap_or_default();
    writeln!(f, r#"{{"id":"c","periods":[{{"name":"p","begintime":"09:00","endtime":"17:00"}}],"schedule":{{"name":"s","periods":["p"]}},"at":"2026-06-01T20:00:00Z"}}"#).unwrap_or_default();
    drop(f);
    let o = isched(&["schedule", "eval", "--cases", &path.display().to_string()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a malformed case makes the exit code non-zero"
    );
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        vec![
            r#"{"id":"a","state":"running","instance_type":"t3.large"}"#,
            r#"{"id":"c","state":"stopped","instance_type":null}"#,
        ]
    );
    assert!(
        stderr(&o).contains(
            r#"case bad (line 2): period "p": weekdays: "mon-fri/x": step must be a number"#
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn eval_agrees_with_the_shared_vectors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/aws-instance-scheduler");
    let o = isched(&[
        "schedule",
        "eval",
        "--cases",
        &dir.join("cases.jsonl").display().to_string(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = std::fs::read_to_string(dir.join("expected.jsonl")).expect("expected.jsonl");
    let parse = |l: &str| serde_json::from_str::<serde_json::Value>(l).expect("json line");
    let got: Vec<_> = stdout(&o).lines().map(parse).collect();
    let want: Vec<_> = expected
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse)
        .collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
}

#[test]
fn check_lists_every_problem_with_its_place() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "periods:\n  - name: p\n    begintime: \"25:00\"\n    weekdays: funday\n  - name: q\n    months: jan-L\nschedules:\n  - name: s\n    timezone: Mars/Olympus\n    periods: [p, nope]\n",
    )
    .expect("write");
    let o = isched(&["schedule", "check", "--config", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for expected in [
        r#"period "p": begintime: "25:00": hour must be 0 to 23"#,
        r#"period "p": weekdays: "funday": not a number or a name"#,
        r#"period "q": months: "jan-L": L is not allowed in months"#,
        r#"schedule "s": timezone: "Mars/Olympus": unknown time zone"#,
        r#"schedule "s": periods: "nope": no period has this name"#,
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    // "p" failed to parse; it is not also reported as missing.
    assert!(!err.contains(r#"periods: "p": no period"#), "{err}");

    std::fs::write(&path, "periods:\n  - name: p\n    begintme: \"09:00\"\n").expect("write");
    let o = isched(&["schedule", "check", "--config", &path.display().to_string()]);
    assert!(
        stderr(&o).contains("unknown field `begintme`") && stderr(&o).contains("line 3"),
        "{}",
        stderr(&o)
    );

    let o = isched(&[
        "schedule",
        "check",
        "--config",
        &repo("examples/schedules.yaml"),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        r#"{"calendars":1,"periods":5,"schedules":6,"valid":true}"#
    );
}

#[test]
fn next_lists_transitions_across_a_dst_change() {
    // New York springs forward on 2027-03-14; office hours stay 09:00-17:00 local.
    let o = isched(&[
        "schedule",
        "next",
        "--config",
        &repo("examples/schedules.yaml"),
        "--schedule",
        "office-hours",
        "--from",
        "2027-03-12T12:00:00Z",
        "--count",
        "3",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let at: Vec<&str> = rows.iter().map(|r| r["at"].as_str().expect("at")).collect();
    // 09:00 EST is 14:00Z on Friday; after the change, 09:00 EDT is 13:00Z on Monday.
    assert_eq!(
        at,
        vec![
            "2027-03-12T14:00:00Z",
            "2027-03-12T22:00:00Z",
            "2027-03-15T13:00:00Z"
        ]
    );
    assert_eq!(rows[2]["state"], "running");
    assert!(
        rows[2]["local"]
            .as_str()
            .expect("local")
            .starts_with("2027-03-15T09:00:00-04:00")
    );

    let o = isched(&[
        "schedule",
        "next",
        "--config",
        &repo("examples/schedules.yaml"),
        "--schedule",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(r#"no schedule named "nope""#));
}

#[test]
fn usage_counts_running_hours() {
    // June 2026 in New York: 22 weekdays x 8 hours.
    let o = isched(&[
        "schedule",
        "usage",
        "--config",
        &repo("examples/schedules.yaml"),
        "--schedule",
        "office-hours",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["hours_running"], 176.0);
    assert_eq!(v["hours_total"], 720.0);
    assert_eq!(v["hours_saved_vs_always_on"], 544.0);
    let o = isched(&[
        "schedule",
        "usage",
        "--config",
        "x",
        "--schedule",
        "s",
        "--from",
        "June",
        "--to",
        "2026-06-30",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(r#"--from: "June" is not a date"#));
}

#[test]
fn serve_prints_the_password_once_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_isched"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("ISCHED_CONFIG")
        .env_remove("ISCHED_ADMIN_PASSWORD")
        .env("ISCHED_LISTEN", format!("127.0.0.1:{port}"))
        .env("ISCHED_DATABASE_URL", "sqlite://isched.db")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("isched serve starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let healthy = loop {
        let ok = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut s| {
            use std::io::Read;
            s.write_all(b"GET /health HTTP/1.0\r\nHost: x\r\n\r\n")
                .is_ok()
                && {
                    let mut buf = String::new();
                    s.read_to_string(&mut buf).is_ok() && buf.contains(r#"{"status":"ok"}"#)
                }
        });
        if ok || std::time::Instant::now() > deadline {
            break ok;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let out = child.wait_with_output().expect("exits");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(healthy, "serve never answered /health:\n{err}");
    assert!(
        out.status.success(),
        "exit {:?} after SIGTERM:\n{err}",
        out.status
    );
    let line = err
        .lines()
        .find(|l| l.contains("One-time password:"))
        .expect("the password is shown");
    let password = line.rsplit(' ').next().expect("password").trim();
    assert_eq!(password.len(), 20);
    assert_eq!(
        err.matches(password).count()
            + String::from_utf8_lossy(&out.stdout)
                .matches(password)
                .count(),
        1,
        "{err}"
    );
    assert!(err.contains("shutdown signal received"), "{err}");
}
