//! Soak of three replicas on Postgres (issue J): three `isched serve` processes share a
//! Postgres database and 60 sandbox instances in three regions (three targets, divided
//! through leases), on a schedule that flips every minute (cron: running from even
//! minutes, stopped from odd ones). For several minutes a random replica is killed with
//! SIGKILL every 10-30 s and started again a few seconds later, and Postgres itself is
//! restarted once halfway. Then every instance's history must hold, for every minute
//! boundary, exactly one successful action of the right kind, and the lag between the
//! boundary and the action is reported: within the lease time when a takeover was needed,
//! longer only around the Postgres restart.
//!
//! Postgres is a private server started for the run (initdb as the `postgres` user, on a
//! free port), so that restarting it disturbs nothing else. Needs root and Debian's
//! PostgreSQL binaries. Run: `cargo bench -p isched --bench soak`;
//! `ISCHED_SOAK_MINUTES=N` (default 6).

use isched_testkit::ServeProcess;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LEASE_SECS: i64 = 5;
const REGIONS: [&str; 3] = ["sandbox-1", "sandbox-2", "sandbox-3"];
const PER_REGION: usize = 20;

const SCHEDULES: &str = r#"
periods:
  - name: even-minutes
    start_cron: "*/2 * * * *"
    stop_cron: "1-59/2 * * * *"
schedules:
  - name: flip
    timezone: UTC
    periods: [even-minutes]
"#;

/// A Postgres server of the run's own.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> Option<PrivatePostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()?;
        let dir = tempfile::tempdir().expect("tmp");
        run(Command::new("chown").arg("postgres").arg(dir.path()));
        let data = dir.path().join("data");
        run(as_postgres(&bin.join("initdb"))
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "-D"])
            .arg(&data));
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let pg = PrivatePostgres { dir, bin, port };
        run(pg
            .ctl()
            .arg("-o")
            .arg(format!(
                "-p {port} -c listen_addresses=127.0.0.1 -k {}",
                pg.dir.path().display()
            ))
            .args(["-w", "start"]));
        Some(pg)
    }

    fn ctl(&self) -> Command {
        let mut c = as_postgres(&self.bin.join("pg_ctl"));
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("log"));
        c
    }

    fn restart(&self) {
        run(self.ctl().args(["-m", "fast", "-w", "restart"]));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/isched", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .ctl()
            .args(["-m", "immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
    }
}

fn as_postgres(program: &Path) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(program);
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().expect("runs");
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn isched(db: &str, args: &[&str]) -> String {
    run(Command::new(env!("CARGO_BIN_EXE_isched"))
        .args(args)
        .env_remove("ISCHED_CONFIG")
        .env("ISCHED_DATABASE_URL", db)
        .env("ISCHED_LOG_LEVEL", "error"))
}

async fn replica(db: &str) -> ServeProcess {
    let db = db.to_owned();
    ServeProcess::start(env!("CARGO_BIN_EXE_isched"), move |c| {
        c.env("ISCHED_DATABASE_URL", db)
            .env("ISCHED_SANDBOX_TRANSITION_SECS", "0")
            .env("ISCHED_LEASE_SECS", LEASE_SECS.to_string())
            .env("ISCHED_PUBLIC_URL", "http://isched.test")
            .env(
                "ISCHED_SECRET_KEY",
                "the-soak-run-secret-key-of-enough-characters",
            );
    })
    .await
}

#[tokio::main]
async fn main() {
    let minutes: i64 = std::env::var("ISCHED_SOAK_MINUTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let Some(pg) = PrivatePostgres::start() else {
        eprintln!("SKIPPED: no PostgreSQL binaries under /usr/lib/postgresql");
        return;
    };
    let db = pg.url();
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("flip.yaml");
    std::fs::write(&file, SCHEDULES).expect("write schedules");
    // The first command creates the database and its tables.
    isched(&db, &["schedules", "import", file.to_str().expect("utf-8")]);
    let per_region = PER_REGION.to_string();
    for region in REGIONS {
        isched(
            &db,
            &[
                "sandbox",
                "seed",
                "--instances",
                &per_region,
                "--region",
                region,
                "--tag",
                "Schedule=flip",
            ],
        );
    }

    let seed = Timestamp::now().as_millisecond() as u64;
    let mut dice = StdRng::seed_from_u64(seed);
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(Some(replica(&db).await));
    }
    let began = Timestamp::now();
    let run_for = Duration::from_secs(minutes as u64 * 60);
    let started = Instant::now();
    let (mut kills, mut restarted_pg) = (0, None);
    eprintln!("soak: {minutes} min, 3 replicas, seed {seed}");
    while started.elapsed() < run_for {
        tokio::time::sleep(Duration::from_secs(dice.random_range(10..30))).await;
        if restarted_pg.is_none() && started.elapsed() > run_for / 2 {
            let at = Timestamp::now();
            pg.restart();
            eprintln!("soak: Postgres restarted at {at}");
            restarted_pg = Some(at);
            continue;
        }
        let victim = dice.random_range(0..replicas.len());
        if let Some(mut r) = replicas[victim].take() {
            r.kill9();
            kills += 1;
        }
        let down = Duration::from_millis(dice.random_range(0..5000));
        tokio::time::sleep(down).await;
        replicas[victim] = Some(replica(&db).await);
    }
    let ended = Timestamp::now();
    for r in replicas.iter_mut().flatten() {
        r.kill9();
    }

    // Every minute boundary after the first whole minute, and before the last.
    let minute = SignedDuration::from_mins(1);
    let first = Timestamp::from_second(began.as_second() / 60 * 60 + 120).expect("instant");
    let mut boundaries = Vec::new();
    let mut m = first;
    while m + minute < ended {
        boundaries.push(m);
        m += minute;
    }
    let listed: Vec<Value> = serde_json::from_str(&isched(
        &db,
        &["resources", "list", "--refresh", "--format", "json"],
    ))
    .expect("a JSON list");
    let ids: Vec<String> = listed
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), REGIONS.len() * PER_REGION);
    let near_restart = |t: Timestamp| {
        restarted_pg.is_some_and(|r| t.duration_since(r).abs() < SignedDuration::from_secs(30))
    };
    let (mut checked, mut lags, mut restart_lags) = (0, Vec::new(), Vec::new());
    for id in &ids {
        let history: Vec<(Timestamp, String, String)> =
            isched(&db, &["history", id, "--format", "json"])
                .lines()
                .map(|l| {
                    let v: Value = serde_json::from_str(l).expect("json line");
                    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                    (s("at").parse().expect("instant"), s("action"), s("outcome"))
                })
                .collect();
        assert!(
            history.iter().all(|(_, _, o)| o != "in progress"),
            "{id}: left in progress"
        );
        for b in &boundaries {
            let want = if (b.as_second() / 60) % 2 == 0 {
                "start"
            } else {
                "stop"
            };
            let done: Vec<&(Timestamp, String, String)> = history
                .iter()
                .filter(|(at, a, o)| *at >= *b && *at < *b + minute && a == want && o == "ok")
                .collect();
            assert_eq!(done.len(), 1, "{id}: {want} at {b}: {history:?}");
            let lag = done[0].0.duration_since(*b).as_secs_f64();
            if near_restart(*b) {
                restart_lags.push(lag);
            } else {
                lags.push(lag);
            }
            checked += 1;
        }
    }
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    lags.sort_by(f64::total_cmp);
    let p50 = lags.get(lags.len() / 2).copied().unwrap_or(0.0);
    println!(
        "soak: {minutes} min, {kills} replicas killed, Postgres restarted once; {checked} transitions \
         of {} instances checked, each acted on exactly once; lag p50 {p50:.2} s, max {:.2} s \
         (lease {LEASE_SECS} s); around the Postgres restart max {:.2} s",
        ids.len(),
        max(&lags),
        max(&restart_lags)
    );
    assert!(
        max(&lags) <= LEASE_SECS as f64 + 2.0,
        "a takeover took longer than the lease"
    );
}
