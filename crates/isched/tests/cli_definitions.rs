//! `isched schedules import|export|list`, `isched periods ...` on a SQLite database.

use std::path::Path;
use std::process::{Command, Output};

fn isched(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isched"))
        .args(args)
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .expect("isched runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn import_list_change_and_export_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("isched.db");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/schedules.yaml");
    let o = isched(
        &db,
        &["schedules", "import", examples.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o)
            .0
            .contains("Imported 5 periods, 6 schedules and 1 calendars")
    );

    let (out, _) = text(&isched(&db, &["schedules", "list", "--format", "json"]));
    assert_eq!(out.lines().count(), 6);
    let (out, _) = text(&isched(&db, &["periods", "show", "office"]));
    assert!(
        out.contains("begintime: 09:00") || out.contains("begintime: '09:00'"),
        "{out}"
    );

    let o = isched(&db, &["periods", "delete", "office"]);
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("is used by the schedules"),
        "{:?}",
        text(&o)
    );

    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: lunch\nbegintime: \"12:00\"\nendtime: \"13:00\"\nweekdays: mon-fri/x\n",
    )
    .expect("write");
    let o = isched(
        &db,
        &["periods", "create", "--file", bad.to_str().expect("utf-8")],
    );
    assert!(!o.status.success());
    assert!(
        text(&o)
            .1
            .contains("weekdays: \"mon-fri/x\": step must be a number"),
        "{:?}",
        text(&o)
    );

    // An invalid import changes nothing.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "periods: []\nschedules:\n  - name: x\n    timezone: UTC\n    periods: [missing]\n",
    )
    .expect("write");
    let o = isched(
        &db,
        &["schedules", "import", broken.to_str().expect("utf-8")],
    );
    assert!(!o.status.success());
    assert_eq!(
        text(&isched(&db, &["schedules", "list", "--format", "json"]))
            .0
            .lines()
            .count(),
        6
    );

    let first = dir.path().join("first.yaml");
    assert!(
        isched(
            &db,
            &["schedules", "export", first.to_str().expect("utf-8")]
        )
        .status
        .success()
    );
    assert!(
        isched(
            &db,
            &["schedules", "import", first.to_str().expect("utf-8")]
        )
        .status
        .success()
    );
    let (again, _) = text(&isched(&db, &["schedules", "export", "-"]));
    assert_eq!(
        std::fs::read_to_string(&first).expect("read"),
        again,
        "export, import, export is stable"
    );
}
