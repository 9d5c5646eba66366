//! `isched backup` and `isched restore` on both backends: a database with a user, schedules
//! and a replayed morning of history is backed up, restored into a fresh database, and the
//! restored one holds the same users, schedules and history. A restore over a database that
//! holds data needs --force; a file that is not a backup is refused with its name.

use isched_store::{Email, Store};
use isched_testkit::{Backend, TestDb, backend_tests};
use secrecy::SecretString;
use std::path::Path;
use std::process::{Command, Output};

backend_tests!(a_restored_backup_holds_the_same_data);

fn isched(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isched"))
        .args(args)
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", db)
        .env("ISCHED_SANDBOX_TRANSITION_SECS", "0")
        .output()
        .expect("isched runs")
}

fn ok(db: &str, args: &[&str]) -> String {
    let o = isched(db, args);
    assert!(
        o.status.success(),
        "isched {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(db: &str, args: &[&str]) -> String {
    let o = isched(db, args);
    assert!(!o.status.success(), "isched {args:?} should fail");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What a user sees of the data: schedules, one resource's history, the admin.
async fn contents(db: &str, resource: &str) -> (String, String, bool) {
    let schedules = ok(db, &["schedules", "list", "--format", "json"]);
    let history = ok(db, &["history", resource, "--format", "json"]);
    let store = Store::connect(db).await.expect("database");
    let admin = store
        .user_by_email(&Email::parse("keeper@isched.test").expect("email"))
        .await
        .expect("users")
        .is_some();
    store.close().await;
    (schedules, history, admin)
}

async fn a_restored_backup_holds_the_same_data(backend: Backend) {
    let Some(source) = TestDb::create(backend).await else {
        return;
    };
    let Some(target) = TestDb::create(backend).await else {
        return;
    };
    let (from, into) = (source.url(), target.url());
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/schedules.yaml");
    ok(
        from,
        &["schedules", "import", examples.to_str().expect("utf-8")],
    );
    ok(
        from,
        &[
            "sandbox",
            "seed",
            "--instances",
            "2",
            "--tag",
            "Schedule=office-hours",
        ],
    );
    for at in ["2026-11-25T08:00:00-05:00", "2026-11-25T09:00:00-05:00"] {
        ok(from, &["reconcile", "--once", "--at", at]);
    }
    let store = Store::connect(from).await.expect("database");
    isched_auth::bootstrap::ensure_admin(
        &store,
        &Email::parse("keeper@isched.test").expect("email"),
        Some(&SecretString::from("a-long-enough-password")),
        jiff::Timestamp::now(),
    )
    .await
    .expect("admin");
    store.close().await;
    let resources = ok(from, &["resources", "list", "--format", "json"]);
    let resource = serde_json::from_str::<serde_json::Value>(&resources)
        .ok()
        .and_then(|v| v[0]["id"].as_str().map(str::to_owned))
        .or_else(|| {
            resources
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find_map(|v| v["id"].as_str().map(str::to_owned))
        })
        .expect("a seeded resource");
    let before = contents(from, &resource).await;
    assert!(before.1.contains("\"stop\""), "history: {}", before.1);

    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("isched.backup");
    let file = file.to_str().expect("utf-8");
    let said = ok(from, &["backup", file]);
    assert!(
        said.contains("1 users, 6 schedules, 4 history entries"),
        "{said}"
    );
    assert!(
        refused(from, &["backup", file]).contains("already exists"),
        "a backup never writes over a file"
    );

    // The fresh target: a SQLite file that does not exist yet, or an empty Postgres database.
    let said = ok(into, &["restore", file]);
    assert!(
        said.contains("1 users, 6 schedules, 4 history entries"),
        "{said}"
    );
    assert_eq!(contents(into, &resource).await, before);

    // Now the target holds data: replacing it needs --force.
    let refusal = refused(into, &["restore", file]);
    assert!(refusal.contains("--force"), "{refusal}");
    ok(into, &["restore", "--force", file]);
    assert_eq!(contents(into, &resource).await, before);

    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "these are notes, not a database backup at all").expect("write");
    let refusal = refused(into, &["restore", "--force", junk.to_str().expect("utf-8")]);
    assert!(refusal.contains("notes.txt"), "{refusal}");
    assert_eq!(
        contents(into, &resource).await,
        before,
        "a refused restore leaves the database as it was"
    );
}
