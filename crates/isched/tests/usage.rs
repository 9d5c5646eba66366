//! Usage, cost and savings on both backends. A known week in New York (office hours, the
//! DST Sunday of 23 hours, a manual start on Saturday) is counted exactly by
//! `GET /api/v1/usage`, the same before and after its days are rolled up, and by
//! `isched usage report`; the Parquet export, read back by DuckDB, sums to the API's
//! totals, and the same files reach an S3 bucket on moto. A self-service instance is
//! priced by its own events, and its owner sees only their own usage.

use isched_auth::clock::Clock;
use isched_testkit::{Backend, Moto, TestApp, backend_tests, spawn_app_on_clock, usage_data};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

backend_tests!(
    a_new_york_week_is_counted_exactly,
    an_instance_is_priced_by_its_events_and_seen_by_its_owner,
    serve_exports_each_day_once_rolled_up,
);

const NY: &str = "America/New_York";
const KEY: &str = "sandbox:000000000000:local:i-0week";
/// The sandbox's price of t3.micro.
const PRICE: f64 = 0.0104;

fn at(text: &str) -> Timestamp {
    text.parse().expect("instant")
}

fn isched(db_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_isched"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ISCHED_DATABASE_URL", db_url)
        .env("ISCHED_USAGE_ZONE", NY);
    c
}

fn output(c: &mut Command) -> String {
    let o = c.output().expect("isched runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "isched failed: {stderr}");
    String::from_utf8(o.stdout).expect("utf-8")
}

async fn usage(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/usage?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.expect("json")
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-6)
}

/// Periods and the office-hours schedule in New York.
async fn office_hours(app: &TestApp, admin: &str) {
    let period = json!({ "name": "office", "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" });
    let schedule = json!({ "name": "office-hours", "timezone": NY, "periods": ["office"] });
    for (path, body) in [("/api/v1/periods", period), ("/api/v1/schedules", schedule)] {
        assert_eq!(app.post(path, Some(admin), &body).await.status(), 201);
    }
}

/// A resource on office hours, first seen on 1 March, with the running intervals the
/// scheduler would have recorded for the week of 5 to 11 March 2026: office hours on the
/// five weekdays, and a manual start on Saturday from 10:00 to 13:30.
async fn a_week_of_running(app: &TestApp) {
    let key = usage_data::seen(
        &app.store,
        "0week",
        "office-hours",
        "dev@isched.test",
        "t3.micro",
        at("2026-03-01T05:00:00Z"),
    )
    .await;
    assert_eq!(key, KEY);
    let mut runs = usage_data::office_days(&["05", "06"], "-05:00");
    runs.extend(usage_data::office_days(&["09", "10", "11"], "-04:00"));
    runs.push((
        at("2026-03-07T10:00:00-05:00"),
        at("2026-03-07T13:30:00-05:00"),
    ));
    usage_data::ran(&app.store, KEY, &runs).await;
}

async fn a_new_york_week_is_counted_exactly(backend: Backend) {
    let clock = Clock::starting_at(at("2026-03-01T00:00:00Z"));
    let Some(app) = spawn_app_on_clock(backend, clock, |c| {
        c.usage.settings.zone = TimeZone::get(NY).expect("zone");
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    office_hours(&app, &admin).await;
    a_week_of_running(&app).await;
    // The week is over: the server's job runner rolls its days up within a second or two.
    app.clock
        .advance(at("2026-03-12T12:00:00Z").duration_since(app.clock.now()));
    let admin = app.admin_token().await;

    let week = "from=2026-03-05&to=2026-03-11";
    let by_day = usage(&app, &admin, &format!("{week}&group_by=day")).await;
    assert_eq!(by_day["zone"], NY);
    assert_eq!(by_day["currency"], "USD");
    let days = by_day["rows"].as_array().expect("rows");
    assert_eq!(days.len(), 7, "{by_day}");
    let sunday = &days[3];
    assert_eq!(sunday["key"], "2026-03-08");
    assert!(
        close(&sunday["saved_hours"], 23.0),
        "the DST Sunday: {sunday}"
    );
    assert!(close(&sunday["running_hours"], 0.0));
    let saturday = &days[2];
    assert!(close(&saturday["unplanned_hours"], 3.5), "{saturday}");

    let total = &by_day["total"];
    assert!(close(&total["running_hours"], 43.5), "{total}");
    assert!(close(&total["planned_hours"], 40.0), "{total}");
    assert!(close(&total["unplanned_hours"], 3.5), "{total}");
    assert!(close(&total["saved_hours"], 167.0 - 43.5), "{total}");
    assert!(close(&total["cost"], 43.5 * PRICE), "{total}");
    assert!(close(&total["unplanned_cost"], 3.5 * PRICE), "{total}");
    assert!(
        close(&total["saved_cost"], (167.0 - 43.5) * PRICE),
        "{total}"
    );

    // The same once the days are rolled up (and from month rows for a whole month).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app
        .store
        .usage_rolled_through(NY)
        .await
        .expect("mark")
        .as_deref()
        != Some("2026-03-11")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the week is rolled up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        usage(&app, &admin, &format!("{week}&group_by=day")).await,
        by_day
    );
    let by_schedule = usage(&app, &admin, week).await;
    let rows = by_schedule["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["key"], "office-hours");
    assert_eq!(by_schedule["total"], by_day["total"]);
    let by_owner = usage(&app, &admin, &format!("{week}&group_by=owner")).await;
    assert_eq!(by_owner["rows"][0]["key"], "dev@isched.test");

    // Bad requests name their field.
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("from=2026-03-05&to=2026-03-01", "to"),
        ("group_by=team", "group_by"),
        ("zone=Mars/Olympus", "zone"),
    ] {
        let res = app
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/usage?{query}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(res.status(), 400, "{query}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"]["field"], field, "{body}");
    }

    // The CLI reads the same database.
    let db = app.db.url().to_owned();
    let cli: Value = serde_json::from_str(&output(isched(&db).args([
        "usage",
        "report",
        "--from",
        "2026-03-05",
        "--to",
        "2026-03-11",
        "--zone",
        NY,
        "--group-by",
        "schedule",
        "--format",
        "json",
    ])))
    .expect("json");
    assert_eq!(cli, by_schedule);
    let csv = output(isched(&db).args([
        "usage",
        "report",
        "--from",
        "2026-03-05",
        "--to",
        "2026-03-11",
        "--zone",
        NY,
        "--format",
        "csv",
    ]));
    assert_eq!(
        csv,
        "key,running_hours,cost,saved_hours,saved_cost,planned_hours,unplanned_hours,unplanned_cost\n\
         office-hours,43.50,0.45,123.50,1.28,40.00,3.50,0.04\n"
    );

    // Parquet, read back by DuckDB, sums to the API's totals.
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().to_str().expect("utf-8 path");
    let said = output(isched(&db).args([
        "usage",
        "export",
        "--to",
        to,
        "--from",
        "2026-03-01",
        "--through",
        "2026-03-11",
    ]));
    assert!(said.starts_with("exported 11 day(s)"), "{said}");
    assert!(
        dir.path()
            .join("usage_daily/date=2026-03-08/part-0.parquet")
            .is_file()
    );
    let sums = duckdb(
        dir.path(),
        "SELECT sum(running_seconds), sum(cost), sum(existing_seconds - running_seconds), \
         sum(unplanned_seconds), count(DISTINCT date) \
         FROM read_parquet('DIR/usage_daily/*/*.parquet', hive_partitioning = true) \
         WHERE date BETWEEN '2026-03-05' AND '2026-03-11'",
    );
    assert_eq!(sums[0].as_f64(), Some(43.5 * 3600.0), "{sums:?}");
    assert!(close(&sums[1], 43.5 * PRICE), "{sums:?}");
    assert_eq!(sums[2].as_f64(), Some(123.5 * 3600.0), "{sums:?}");
    assert_eq!(sums[3].as_f64(), Some(3.5 * 3600.0), "{sums:?}");
    assert_eq!(sums[4].as_f64(), Some(7.0), "{sums:?}");
    let intervals = duckdb(
        dir.path(),
        "SELECT sum(seconds), sum(cost), count(*) \
         FROM read_parquet('DIR/usage_intervals/*/*.parquet', hive_partitioning = true)",
    );
    assert_eq!(intervals[0].as_f64(), Some(43.5 * 3600.0), "{intervals:?}");
    assert!(close(&intervals[1], 43.5 * PRICE), "{intervals:?}");
    assert_eq!(intervals[2].as_f64(), Some(6.0), "{intervals:?}");

    // The same files in an S3 bucket on moto.
    let moto = Moto::start();
    s3(&moto, "create", "exports");
    let mut export = isched(&db);
    export.args([
        "usage",
        "export",
        "--to",
        "s3://exports/isched/usage",
        "--from",
        "2026-03-01",
        "--through",
        "2026-03-11",
    ]);
    aws_env(&mut export, &moto);
    output(&mut export);
    let keys = s3(&moto, "list", "exports");
    let mut local: Vec<String> = walk(dir.path())
        .into_iter()
        .map(|p| format!("isched/usage/{p}"))
        .collect();
    local.sort();
    assert_eq!(keys.lines().map(str::to_owned).collect::<Vec<_>>(), local);
    app.stop().await;
}

async fn an_instance_is_priced_by_its_events_and_seen_by_its_owner(backend: Backend) {
    let clock = Clock::starting_at(at("2026-05-04T13:00:00Z"));
    let Some(app) = spawn_app_on_clock(backend, clock, |c| c.sandbox.transition_secs = 0).await
    else {
        return;
    };
    let admin = app.admin_token().await;
    office_hours(&app, &admin).await;
    let template = json!({ "name": "dev-box", "image": "sbx-ubuntu", "instance_types": ["t3.micro", "t3.large"],
        "schedule": "office-hours" });
    assert_eq!(
        app.post("/api/v1/templates", Some(&admin), &template)
            .await
            .status(),
        201
    );
    let user = app
        .user_token(&admin, "user@isched.test", "user-password-1")
        .await;
    a_week_of_running(&app).await;
    let created: Value = app
        .post(
            "/api/v1/instances",
            Some(&user),
            &json!({ "template": "dev-box", "name": "box", "instance_type": "t3.large" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let job = created["job"]["id"].as_str().expect("job");
    let id = created["instance"]["id"].as_str().expect("id").to_owned();
    app.finished_job(&user, job, 100).await;
    app.clock.advance(SignedDuration::from_mins(12));
    let res = app
        .post(
            &format!("/api/v1/instances/{id}/stop"),
            Some(&user),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200, "stop");

    let mine = usage(
        &app,
        &user,
        "from=2026-05-04&to=2026-05-04&group_by=template",
    )
    .await;
    let rows = mine["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "only the user's own: {mine}");
    assert_eq!(rows[0]["key"], "dev-box");
    let hours = rows[0]["running_hours"].as_f64().expect("hours");
    assert!(
        (0.2..0.21).contains(&hours),
        "about twelve minutes: {hours}"
    );
    let large = 0.0832;
    let cost = rows[0]["cost"].as_f64().expect("cost");
    assert!(
        (cost - hours * large).abs() < 1e-5,
        "priced as t3.large: {mine}"
    );
    // The owner's filter cannot be widened.
    let again = usage(
        &app,
        &user,
        "from=2026-05-04&to=2026-05-04&group_by=template&owner=dev@isched.test",
    )
    .await;
    // (Time passes between the two requests: the stopped instance's saved time grows.)
    let keys = |v: &Value| -> Vec<(Value, Value)> {
        v["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| (r["key"].clone(), r["running_hours"].clone()))
            .collect()
    };
    assert_eq!(keys(&again), keys(&mine));
    // Admins see everyone's: the week's resource has a row too (all saved that day).
    let all = usage(&app, &admin, "from=2026-05-04&to=2026-05-04&group_by=owner").await;
    let owners: Vec<&str> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert_eq!(owners, ["dev@isched.test", "user@isched.test"], "{all}");
    // By group: the user's groups; the tag's owner is not a user, so under (none).
    let groups = usage(&app, &admin, "from=2026-05-04&to=2026-05-04&group_by=group").await;
    let rows = groups["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["key"], "(none)", "{groups}");
    assert!(close(&rows[0]["running_hours"], 0.0), "{groups}");
    assert!(rows.len() >= 2, "the user's groups: {groups}");
    assert!(close(&rows[1]["running_hours"], hours), "{groups}");
    // (Saved time grows between requests; what ran does not.)
    assert_eq!(
        groups["total"]["running_hours"],
        all["total"]["running_hours"]
    );
    assert_eq!(groups["total"]["cost"], all["total"]["cost"]);
    app.stop().await;
}

async fn serve_exports_each_day_once_rolled_up(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().to_str().expect("utf-8 path").to_owned();
    let clock = Clock::starting_at(at("2026-03-01T00:00:00Z"));
    let Some(app) = spawn_app_on_clock(backend, clock, |c| c.usage.export_to = Some(to)).await
    else {
        return;
    };
    let admin = app.admin_token().await;
    office_hours(&app, &admin).await;
    a_week_of_running(&app).await;
    app.clock
        .advance(at("2026-03-12T12:00:00Z").duration_since(app.clock.now()));
    let last = dir
        .path()
        .join("usage_daily/date=2026-03-11/part-0.parquet");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !last.is_file() {
        assert!(
            std::time::Instant::now() < deadline,
            "the last complete day is exported"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Days in UTC here (the default zone): office hours on 5 March ran 14:00 to 22:00 UTC.
    let sums = duckdb(
        dir.path(),
        "SELECT sum(running_seconds), count(DISTINCT date) FROM read_parquet('DIR/usage_daily/*/*.parquet', hive_partitioning = true) WHERE date = '2026-03-05'",
    );
    assert_eq!(sums[0].as_f64(), Some(8.0 * 3600.0), "{sums:?}");
    assert!(
        !dir.path().join("usage_daily/date=2026-03-12").exists(),
        "today is not complete"
    );
    app.stop().await;
}

/// Runs `query` in DuckDB (DIR replaced by `dir`); the first row's values.
fn duckdb(dir: &Path, query: &str) -> Vec<Value> {
    let query = query.replace("DIR", dir.to_str().expect("utf-8 path"));
    let script = "import duckdb, json, sys\n\
                  row = duckdb.sql(sys.argv[1]).fetchall()[0]\n\
                  print(json.dumps([float(v) for v in row]))";
    let out = output(Command::new(isched_testkit::venv_bin("python")).args(["-c", script, &query]));
    serde_json::from_str(&out).expect("json")
}

fn aws_env(c: &mut Command, moto: &Moto) {
    c.env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
}

/// Creates a bucket, or lists its keys (one per line), with boto3.
fn s3(moto: &Moto, what: &str, bucket: &str) -> String {
    let script = "import boto3, sys\n\
                  s3 = boto3.client('s3')\n\
                  if sys.argv[1] == 'create':\n    s3.create_bucket(Bucket=sys.argv[2])\n\
                  else:\n    print('\\n'.join(sorted(o['Key'] for o in s3.list_objects_v2(Bucket=sys.argv[2]).get('Contents', []))))";
    let mut c = Command::new(isched_testkit::venv_bin("python"));
    c.args(["-c", script, what, bucket]);
    aws_env(&mut c, moto);
    output(&mut c)
}

/// Relative paths of the files under `dir`, with `/`.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under dir");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}
