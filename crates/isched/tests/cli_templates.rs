//! `isched templates list|show|create|update|retire|delete` on a SQLite database.

use std::path::Path;
use std::process::{Command, Output};

fn isched(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isched"))
        .args(args)
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("ISCHED_PROVIDER", "sandbox")
        .output()
        .expect("isched runs")
}

fn ok(o: Output) -> String {
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    out
}

#[test]
fn templates_are_created_changed_retired_and_deleted() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("isched.db");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_owned()
    };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/schedules.yaml");
    ok(isched(
        &db,
        &["schedules", "import", examples.to_str().expect("utf-8")],
    ));

    // A typo is reported with its line, and nothing is stored.
    let typo = file(
        "typo.yaml",
        "name: dev-box\nimage: sbx-ubuntu\ninstance_type: [t3.micro]\n",
    );
    let o = isched(&db, &["templates", "create", "--file", &typo]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("instance_type") && err.contains("line 3"),
        "{err}"
    );
    let bad = file(
        "bad.yaml",
        "name: dev-box\nimage: sbx-ubuntu\ninstance_types: [t3.micro]\nschedule: nope\n",
    );
    let o = isched(&db, &["templates", "create", "--file", &bad]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("schedule"),
        "{o:?}"
    );

    let good = file(
        "dev.yaml",
        "name: dev-box\nimage: sbx-ubuntu\ninstance_types: [t3.micro, t3.small]\nschedule: office-hours\n",
    );
    assert!(
        ok(isched(&db, &["templates", "create", "--file", &good]))
            .contains("Created template dev-box")
    );
    let listed = ok(isched(&db, &["templates", "list"]));
    assert!(
        listed.contains("dev-box") && listed.contains("in service"),
        "{listed}"
    );
    let json: serde_json::Value = serde_json::from_str(
        ok(isched(
            &db,
            &["templates", "show", "dev-box", "--format", "json"],
        ))
        .trim(),
    )
    .expect("json");
    assert_eq!(json["region"], "sandbox-1");
    assert_eq!(json["prices"]["t3.small"], 0.0208);

    let change = file(
        "change.yaml",
        "max_lifetime_hours: 8\non_expiry: terminate\n",
    );
    ok(isched(
        &db,
        &["templates", "update", "dev-box", "--file", &change],
    ));
    let shown = ok(isched(&db, &["templates", "show", "dev-box"]));
    assert!(
        shown.contains("max_lifetime_hours: 8") && shown.contains("on_expiry: terminate"),
        "{shown}"
    );

    ok(isched(&db, &["templates", "retire", "dev-box"]));
    assert!(!ok(isched(&db, &["templates", "list"])).contains("dev-box"));
    assert!(ok(isched(&db, &["templates", "list", "--retired"])).contains("retired"));
    ok(isched(&db, &["templates", "delete", "dev-box"]));
    let o = isched(&db, &["templates", "show", "dev-box"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no template named \"dev-box\""));
}
