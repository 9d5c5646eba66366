//! kill -9 during reconcile passes misses no transition and does none twice. 100 sandbox
//! instances on office hours go through a week of transitions, one `isched reconcile
//! --once --at T` pass per transition, each killed by SIGKILL at a random moment (before,
//! during or after its cloud calls, or while it records) and then run again to the end,
//! as a restarted scheduler would. After each: every instance is where the schedule wants
//! it (a pass a second later has nothing to do), each instance's history holds exactly one
//! successful action per transition, nothing is left in progress, and the SQLite file
//! passes `integrity_check`.
//!
//! `ISCHED_CRASH_TRIALS=N` runs N transitions (the benchmark runs 50 or more);
//! `ISCHED_CRASH_SEED` replays a run's kill moments.

use isched_testkit::{Backend, TestDb, backend_tests, crash_seed, sqlite_scalar};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const INSTANCES: usize = 100;

backend_tests!(killed_passes_miss_and_double_nothing);

struct Fleet<'a> {
    db: &'a TestDb,
}

impl Fleet<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_isched"));
        c.args(args)
            .env_remove("ISCHED_CONFIG")
            .env("ISCHED_DATABASE_URL", self.db.url())
            .env("ISCHED_SANDBOX_TRANSITION_SECS", "0")
            .env("ISCHED_LOG_LEVEL", "error");
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let o: Output = self.command(args).output().expect("isched runs");
        assert!(
            o.status.success(),
            "isched {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A pass at `at` to its end: instance id → action.
    fn pass(&self, at: &str) -> BTreeMap<String, String> {
        self.ok(&["reconcile", "--once", "--at", at, "--format", "json"])
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json line");
                assert_eq!(v["outcome"] != "none", v["action"] != "none", "{v}");
                assert!(
                    !v["outcome"]
                        .as_str()
                        .unwrap_or_default()
                        .starts_with("failed"),
                    "{v}"
                );
                (
                    v["resource"].as_str().unwrap_or_default().to_owned(),
                    v["action"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// A pass at `at` killed with SIGKILL after `delay`; whether it was still running.
    fn killed_pass(&self, at: &str, delay: Duration) -> bool {
        let mut child = self
            .command(&["reconcile", "--once", "--at", at, "--format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("isched runs");
        let deadline = Instant::now() + delay;
        while Instant::now() < deadline {
            if child.try_wait().expect("wait").is_some() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let running = child.try_wait().expect("wait").is_none();
        let _ = child.kill();
        let _ = child.wait();
        running
    }

    /// (action, outcome, at, reason) of each history entry of `id`.
    fn history(&self, id: &str) -> Vec<(String, String, String, String)> {
        self.ok(&["history", id, "--format", "json"])
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json line");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                (s("action"), s("outcome"), s("at"), s("reason"))
            })
            .collect()
    }
}

/// Transitions of `office-hours` (09:00-17:00 Monday to Friday, New York), from Tuesday 1
/// December 2026: the first stops what the seed left running.
fn transitions(n: usize) -> Vec<(String, &'static str)> {
    let mut out = vec![("2026-12-01T08:00:00-05:00".to_owned(), "stop")];
    let mut day = jiff::civil::date(2026, 12, 1);
    while out.len() < n {
        if day.weekday().to_monday_zero_offset() < 5 {
            out.push((format!("{day}T09:00:00-05:00"), "start"));
            out.push((format!("{day}T17:00:00-05:00"), "stop"));
        }
        day = day.tomorrow().expect("a day");
    }
    out.truncate(n);
    out
}

fn one_second_later(at: &str) -> String {
    at.replace(":00:00-05:00", ":00:01-05:00")
}

fn integrity(db: &TestDb) {
    // Postgres: only the client is killed; the server is crash-safe itself.
    if let Some(file) = db.url().strip_prefix("sqlite://") {
        assert_eq!(
            sqlite_scalar(Path::new(file), "pragma integrity_check"),
            "ok"
        );
    }
}

async fn killed_passes_miss_and_double_nothing(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let trials: usize = std::env::var("ISCHED_CRASH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut dice = StdRng::seed_from_u64(crash_seed());

    let fleet = Fleet { db: &db };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/schedules.yaml");
    fleet.ok(&["schedules", "import", examples.to_str().expect("utf-8")]);
    let count = INSTANCES.to_string();
    fleet.ok(&[
        "sandbox",
        "seed",
        "--instances",
        &count,
        "--tag",
        "Schedule=office-hours",
    ]);

    // How long a whole pass takes here, so that kills land all over it.
    let started = Instant::now();
    let ids: Vec<String> = fleet
        .pass("2026-11-30T12:00:00-05:00")
        .into_keys()
        .collect();
    assert_eq!(ids.len(), INSTANCES);
    let span = started.elapsed().as_millis().max(20) as u64;

    let plan = transitions(trials);
    let mut mid_pass = 0;
    for (at, action) in &plan {
        let delay = Duration::from_millis(dice.random_range(0..span * 3 / 2));
        if fleet.killed_pass(at, delay) {
            mid_pass += 1;
        }
        // Restarted: the same pass to its end, then nothing left to do.
        let done = fleet.pass(at);
        assert_eq!(done.len(), INSTANCES, "{at}");
        assert!(
            done.values().all(|a| a == action || a == "none"),
            "{at}: {done:?}"
        );
        let after = fleet.pass(&one_second_later(at));
        assert!(
            after.values().all(|a| a == "none"),
            "{at}: left undone: {after:?}"
        );
    }
    eprintln!(
        "{} transitions, {mid_pass} passes killed while running (kill moments over 0-{} ms)",
        plan.len(),
        span * 3 / 2
    );

    // Every instance's history: one successful action per transition, nothing in progress.
    let (mut confirmed, mut redone) = (0, 0);
    for id in ids.iter().step_by(INSTANCES / 10) {
        let history = fleet.history(id);
        assert!(
            history.iter().all(|(_, o, _, _)| o != "in progress"),
            "{id}: {history:?}"
        );
        for (_, outcome, _, reason) in &history {
            if outcome == "ok" && reason.contains("interrupted") {
                confirmed += 1;
            } else if outcome.contains("interrupted") {
                redone += 1;
            }
        }
        for (at, action) in &plan {
            let at_ts: jiff::Timestamp = at.parse().expect("instant");
            let done: Vec<_> = history
                .iter()
                .filter(|(a, o, when, _)| {
                    a == action && o == "ok" && when.parse::<jiff::Timestamp>().ok() == Some(at_ts)
                })
                .collect();
            assert_eq!(done.len(), 1, "{id} at {at}: {history:?}");
        }
    }
    eprintln!(
        "in the histories of {} instances: {confirmed} actions of killed passes confirmed done, {redone} found undone and made again",
        ids.len().div_ceil(INSTANCES / 10)
    );
    integrity(&db);
}
