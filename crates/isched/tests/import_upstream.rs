//! `isched import aws-instance-scheduler` against moto: a configuration table written the
//! way AWS Instance Scheduler v3 writes it (boto3, partition key `type`, sort key `name`,
//! string sets, booleans), with every field; a dry run that writes nothing; the import;
//! `isched export aws-instance-scheduler` giving back the same items; and upstream's
//! `scheduler-cli` verbs on what was imported. On SQLite and Postgres.

use isched_testkit::{Backend, Moto, TestDb, backend_tests, isched_on_aws, venv_bin};
use serde_json::Value;
use std::process::{Command, Output};

const TABLE: &str = "isched-test-ConfigTable";

/// Items as upstream's `PeriodDefinition.to_item` / `ScheduleDefinition.to_item` write
/// them, one with every field each.
const ITEMS: &str = r#"[
 {"type": {"S": "period"}, "name": {"S": "office"}, "description": {"S": "office hours"},
  "begintime": {"S": "09:00"}, "endtime": {"S": "17:00"}, "weekdays": {"SS": ["mon-fri"]},
  "monthdays": {"SS": ["1-28"]}, "months": {"SS": ["jan-nov", "dec"]}},
 {"type": {"S": "period"}, "name": {"S": "weekend"}, "weekdays": {"SS": ["sat", "sun"]}},
 {"type": {"S": "schedule"}, "name": {"S": "office-hours"}, "description": {"S": "weekdays"},
  "timezone": {"S": "America/New_York"}, "periods": {"SS": ["office@t3.large", "weekend"]},
  "override_status": {"S": "running"}, "stop_new_instances": {"BOOL": true},
  "ssm_maintenance_window": {"SS": ["patching"]}, "use_maintenance_window": {"BOOL": true},
  "enforced": {"BOOL": true}, "hibernate": {"BOOL": false}, "retain_running": {"BOOL": true}},
 {"type": {"S": "schedule"}, "name": {"S": "nights"}, "periods": {"SS": ["weekend"]},
  "configured_in_stack": {"S": "arn:aws:cloudformation:us-east-1:111111111111:stack/s/1"}}
]"#;

/// Creates the table and writes `items` through boto3, as upstream's Lambda does.
fn write_table(moto: &Moto, items: &str) {
    let script = r#"
import json, sys, boto3
ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=sys.argv[1],
                   aws_access_key_id="testing", aws_secret_access_key="testing")
ddb.create_table(TableName=sys.argv[2], BillingMode="PAY_PER_REQUEST",
    KeySchema=[{"AttributeName": "type", "KeyType": "HASH"}, {"AttributeName": "name", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "type", "AttributeType": "S"}, {"AttributeName": "name", "AttributeType": "S"}])
for item in json.load(sys.stdin):
    ddb.put_item(TableName=sys.argv[2], Item=item)
"#;
    let mut child = Command::new(venv_bin("python"))
        .args(["-c", script, &moto.endpoint, TABLE])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(items.as_bytes())
        .expect("items written");
    assert!(
        child.wait().expect("python ends").success(),
        "table written"
    );
}

fn isched(db: &TestDb, moto: &Moto, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_isched"));
    command
        .args(args)
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", db.url());
    isched_on_aws(&mut command, &moto.endpoint, "us-east-1");
    command.output().expect("isched runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(db: &TestDb, moto: &Moto, args: &[&str]) -> String {
    let o = isched(db, moto, args);
    assert!(
        o.status.success(),
        "isched {args:?}: {}{}",
        out(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    out(&o)
}

/// Items compared as a set, with their string sets as sets.
fn canonical(items: &[Value]) -> Vec<String> {
    fn sort_sets(v: &Value) -> Value {
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| match (k.as_str(), v) {
                        ("SS", Value::Array(a)) => {
                            let mut a = a.clone();
                            a.sort_by_key(ToString::to_string);
                            (k.clone(), Value::Array(a))
                        }
                        _ => (k.clone(), sort_sets(v)),
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let mut v: Vec<String> = items.iter().map(|i| sort_sets(i).to_string()).collect();
    v.sort();
    v
}

backend_tests!(a_configuration_table_comes_over_and_goes_back_equal);

async fn a_configuration_table_comes_over_and_goes_back_equal(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let moto = Moto::start();
    write_table(&moto, ITEMS);
    let args = [
        "import",
        "aws-instance-scheduler",
        "--table",
        TABLE,
        "--region",
        "us-east-1",
    ];

    let dry = ok(&db, &moto, &[&args[..], &["--dry-run"]].concat());
    assert!(
        dry.contains("Read 4 items from table isched-test-ConfigTable: 2 periods, 2 schedules."),
        "{dry}"
    );
    assert!(
        dry.contains("schedule \"nights\": configured_in_stack"),
        "{dry}"
    );
    assert!(dry.contains("Dry run: nothing was written."), "{dry}");
    assert_eq!(
        ok(&db, &moto, &["schedules", "list"]).trim(),
        "",
        "a dry run wrote"
    );

    let done = ok(&db, &moto, &args);
    assert!(
        done.contains("Imported 2 periods and 2 schedules."),
        "{done}"
    );
    let shown = ok(
        &db,
        &moto,
        &["schedules", "show", "office-hours", "--format", "json"],
    );
    let shown: Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(
        shown["periods"],
        serde_json::json!(["office@t3.large", "weekend"])
    );
    assert_eq!(shown["retain_running"], true);

    // Back out, equal to the table but for the stack bookkeeping, which isched drops.
    let exported = ok(
        &db,
        &moto,
        &["export", "aws-instance-scheduler", "--file", "-"],
    );
    let exported: Value = serde_json::from_str(&exported).expect("json");
    let mut want: Vec<Value> = serde_json::from_str(ITEMS).expect("items");
    want[3]
        .as_object_mut()
        .expect("object")
        .remove("configured_in_stack");
    assert_eq!(
        canonical(exported["Items"].as_array().expect("items")),
        canonical(&want)
    );

    // A second import of the same table replaces, and says so.
    let again = ok(&db, &moto, &args);
    assert!(
        again.contains("Replaces the stored schedule \"nights\"."),
        "{again}"
    );

    // upstream's scheduler-cli verbs, with its options and output.
    let described = ok(
        &db,
        &moto,
        &[
            "periods",
            "describe-periods",
            "--name",
            "office",
            "--stack",
            "s",
        ],
    );
    let described: Value = serde_json::from_str(&described).expect("json");
    assert_eq!(described["Periods"][0]["Type"], "period");
    assert_eq!(
        described["Periods"][0]["Weekdays"],
        serde_json::json!(["mon-fri"])
    );
    let created = ok(
        &db,
        &moto,
        &[
            "schedules",
            "create-schedule",
            "--stack",
            "s",
            "--name",
            "lunch",
            "--periods",
            "office",
            "--timezone",
            "Europe/Paris",
            "--do-not-stop-new-instances",
        ],
    );
    let created: Value = serde_json::from_str(&created).expect("json");
    assert_eq!(created["Schedule"]["StopNewInstances"], false);
    assert_eq!(created["Schedule"]["UseMaintenanceWindow"], true);
    ok(
        &db,
        &moto,
        &[
            "schedules",
            "delete-schedule",
            "--stack",
            "s",
            "--name",
            "lunch",
        ],
    );

    // A table with a bad item changes nothing, and names the item and field.
    let bad =
        r#"[{"type": {"S": "period"}, "name": {"S": "office"}, "begintime": {"S": "25:00"}}]"#;
    let moto_bad = Moto::start();
    write_table(&moto_bad, bad);
    let o = isched(&db, &moto_bad, &args);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("office") && err.contains("begintime"), "{err}");
    assert!(err.contains("Nothing was imported."), "{err}");
    let still = ok(
        &db,
        &moto,
        &["periods", "show", "office", "--format", "json"],
    );
    assert!(still.contains("09:00"), "{still}");
}
