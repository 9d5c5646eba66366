//! A day of office hours replayed with `isched reconcile --once --at` on the sandbox: the
//! AWS Instance Scheduler decisions (act at transitions, leave manual changes alone unless
//! enforced) and the history they leave.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Day {
    _dir: tempfile::TempDir,
    db: String,
    examples: PathBuf,
    /// More configuration, as `ISCHED_*` variables.
    env: Vec<(&'static str, String)>,
}

impl Day {
    fn new() -> Day {
        let dir = tempfile::tempdir().expect("tmp");
        let db = format!("sqlite://{}", dir.path().join("isched.db").display());
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/schedules.yaml");
        Day {
            _dir: dir,
            db,
            examples,
            env: Vec::new(),
        }
    }

    /// Sets `key` for the commands run from now on.
    fn set(&mut self, key: &'static str, value: &str) {
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.to_owned()));
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_isched"))
            .args(args)
            .env_remove("ISCHED_CONFIG")
            .env("ISCHED_DATABASE_URL", &self.db)
            .env("ISCHED_SANDBOX_TRANSITION_SECS", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("isched runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "isched {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// One reconcile pass at `at`: a JSON object per scheduled resource.
    fn reconcile(&self, at: &str) -> Vec<Value> {
        lines(&self.ok(&["reconcile", "--once", "--at", at, "--format", "json"]))
    }

    /// A pass in which an action fails: its exit status says so, and it reports the rest.
    fn failing_reconcile(&self, at: &str) -> Vec<Value> {
        let o = self.run(&["reconcile", "--once", "--at", at, "--format", "json"]);
        assert!(!o.status.success(), "a failed action fails the command");
        lines(&String::from_utf8_lossy(&o.stdout))
    }

    /// The tags of `id` as discovered now.
    fn tags(&self, id: &str) -> serde_json::Map<String, Value> {
        let listed: Vec<Value> =
            serde_json::from_str(&self.ok(&["resources", "list", "--refresh", "--format", "json"]))
                .expect("a JSON list");
        listed
            .into_iter()
            .find(|r| r["id"] == id)
            .and_then(|r| r["tags"].as_object().cloned())
            .unwrap_or_else(|| panic!("{id} is not listed"))
    }

    async fn stop_by_hand(&self, id: &str) {
        let mut config = isched::config::Config::defaults();
        config.database_url = secrecy::SecretString::from(self.db.clone());
        config.sandbox.transition_secs = 0;
        let store = isched_store::Store::connect(&self.db).await.expect("db");
        let provider = isched::providers::build(&config, &store).await;
        let target = isched_cloud::Provider::targets(provider.as_ref())
            .await
            .expect("targets")
            .remove(0);
        let r = isched_cloud::ResourceRef {
            kind: isched_cloud::ResourceKind::SandboxInstance,
            id: id.to_owned(),
        };
        let results = isched_cloud::Provider::stop(provider.as_ref(), &target, &[r], false).await;
        assert!(results[0].outcome.is_ok());
        store.close().await;
    }
}

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_hours_day_in_new_york() {
    let day = Day::new();
    day.ok(&["schedules", "import", day.examples.to_str().expect("utf-8")]);
    day.ok(&[
        "sandbox",
        "seed",
        "--instances",
        "3",
        "--tag",
        "Schedule=office-hours",
    ]);
    day.ok(&[
        "sandbox",
        "seed",
        "--instances",
        "1",
        "--tag",
        "Schedule=no-such-schedule",
    ]);
    day.ok(&["sandbox", "seed", "--instances", "2"]);

    // Wednesday 25 November 2026, 08:00 in New York: first seen running outside the period.
    let first = day.reconcile("2026-11-25T08:00:00-05:00");
    assert_eq!(
        first.len(),
        4,
        "untagged instances are not scheduled: {first:?}"
    );
    let unknown: Vec<&Value> = first
        .iter()
        .filter(|v| v["schedule"] == "no-such-schedule")
        .collect();
    assert_eq!(unknown[0]["action"], "none");
    assert_eq!(
        unknown[0]["reason"],
        "unschedulable: no schedule named \"no-such-schedule\""
    );
    let office: Vec<&Value> = first
        .iter()
        .filter(|v| v["schedule"] == "office-hours")
        .collect();
    assert!(
        office
            .iter()
            .all(|v| v["action"] == "stop" && v["desired"] == "stopped" && v["outcome"] == "ok"),
        "{office:?}"
    );
    let ids: Vec<String> = office
        .iter()
        .map(|v| v["resource"].as_str().expect("id").to_owned())
        .collect();

    let office_actions = |at: &str| -> Vec<String> {
        day.reconcile(at)
            .iter()
            .filter(|v| v["schedule"] == "office-hours")
            .map(|v| v["action"].as_str().expect("a").to_owned())
            .collect()
    };
    assert_eq!(
        office_actions("2026-11-25T08:59:59-05:00"),
        ["none"; 3],
        "nothing before 09:00"
    );
    // `plan` shows the 09:00 transition without acting.
    let planned: Vec<Value> = day
        .ok(&[
            "plan",
            "--at",
            "2026-11-25T09:00:00-05:00",
            "--format",
            "json",
        ])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let keys: Vec<&str> = [
        "resource", "provider", "region", "schedule", "current", "desired", "action", "reason",
    ]
    .to_vec();
    let mut got: Vec<&str> = planned[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    got.sort();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(got, want, "plan prints exactly DESIGN.md's fields");
    assert_eq!(planned.iter().filter(|v| v["action"] == "start").count(), 3);
    assert_eq!(office_actions("2026-11-25T09:00:00-05:00"), ["start"; 3]);

    // 10:00: someone stops one by hand; the schedule is not enforced, so it stays stopped.
    day.stop_by_hand(&ids[0]).await;
    let at_ten = day.reconcile("2026-11-25T10:00:00-05:00");
    let manual = at_ten
        .iter()
        .find(|v| v["resource"] == ids[0].as_str())
        .expect("listed");
    assert_eq!(
        (manual["action"].as_str(), manual["reason"].as_str()),
        (
            Some("none"),
            Some("manually stopped, schedule not enforced")
        )
    );
    assert_eq!(office_actions("2026-11-25T12:00:00-05:00"), ["none"; 3]);

    // 17:00: the two still running stop; the one stopped by hand needs nothing.
    let evening = day.reconcile("2026-11-25T17:00:00-05:00");
    let stops = evening.iter().filter(|v| v["action"] == "stop").count();
    assert_eq!(stops, 2, "{evening:?}");

    // History: the actions and the deliberate non-action, each once.
    let history = day.ok(&["history", &ids[0], "--format", "json"]);
    let entries: Vec<Value> = history
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "start").count(), 1);
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["reason"] == "manually stopped, schedule not enforced")
            .count(),
        1,
        "{entries:?}"
    );

    // Thursday 09:00 starts all three again.
    assert_eq!(office_actions("2026-11-26T09:00:00-05:00"), ["start"; 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_override_keeps_an_instance_running_then_expires() {
    let day = Day::new();
    day.ok(&["schedules", "import", day.examples.to_str().expect("utf-8")]);
    day.ok(&[
        "sandbox",
        "seed",
        "--instances",
        "1",
        "--tag",
        "Schedule=office-hours",
    ]);
    day.reconcile("2026-11-25T09:00:00-05:00");
    let id = day.reconcile("2026-11-25T09:00:01-05:00")[0]["resource"]
        .as_str()
        .expect("id")
        .to_owned();

    // 16:00: keep it running until 19:00 tonight.
    let out = day.ok(&[
        "override",
        &id,
        "--running-until",
        "2026-11-25T19:00:00-05:00",
        "--at",
        "2026-11-25T16:00:00-05:00",
    ]);
    assert!(out.contains("running until 2026-11-26T00:00:00Z"), "{out}");
    let at_five = &day.reconcile("2026-11-25T17:00:00-05:00")[0];
    assert_eq!(at_five["action"], "none");
    assert!(
        at_five["reason"]
            .as_str()
            .expect("reason")
            .starts_with("override (running until"),
        "{at_five}"
    );
    // 19:00: it expires; the schedule says stopped, and this is a transition.
    let at_seven = &day.reconcile("2026-11-25T19:00:00-05:00")[0];
    assert_eq!(at_seven["action"], "stop", "{at_seven}");
    let history = day.ok(&["history", &id, "--format", "json"]);
    assert!(
        history.contains("override set") && history.contains("override expired"),
        "{history}"
    );

    // Skip the next stop: Thursday 17:00 is skipped, Friday 09:00 the schedule resumes.
    day.reconcile("2026-11-26T09:00:00-05:00");
    let out = day.ok(&[
        "override",
        &id,
        "--skip-next-stop",
        "--at",
        "2026-11-26T10:00:00-05:00",
    ]);
    assert!(out.contains("running until 2026-11-27T14:00:00Z"), "{out}");
    assert_eq!(
        day.reconcile("2026-11-26T17:00:00-05:00")[0]["action"],
        "none"
    );
    let out = day.ok(&[
        "override",
        &id,
        "--clear",
        "--at",
        "2026-11-26T18:00:00-05:00",
    ]);
    assert!(out.contains("override cleared"), "{out}");
    assert_eq!(
        day.reconcile("2026-11-26T18:00:01-05:00")[0]["action"],
        "stop",
        "clearing the override hands back to the schedule, which says stopped"
    );
}

/// A schedule assigned without a tag (`isched resources assign`) wins over the tag, keeps
/// its schedule from being deleted, and the running intervals it leaves give usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_assigned_without_a_tag() {
    let day = Day::new();
    day.ok(&["schedules", "import", day.examples.to_str().expect("utf-8")]);
    day.ok(&["sandbox", "seed", "--instances", "1"]);
    day.ok(&[
        "sandbox",
        "seed",
        "--instances",
        "1",
        "--tag",
        "Schedule=no-such-schedule",
    ]);
    let listed: Vec<Value> =
        serde_json::from_str(&day.ok(&["resources", "list", "--format", "json"])).expect("json");
    let untagged = listed
        .iter()
        .find(|r| r["schedule"].is_null())
        .expect("the untagged one");
    let id = untagged["id"].as_str().expect("id").to_owned();
    let unknown = listed
        .iter()
        .find(|r| r["schedule"] == "no-such-schedule")
        .expect("the mistagged one");
    assert_eq!(
        unknown["unschedulable"],
        "no schedule named \"no-such-schedule\""
    );
    let text = day.ok(&["resources", "list"]);
    assert!(text.contains("unschedulable: no schedule named"), "{text}");

    let refused = day.run(&["resources", "assign", &id, "nope"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("nope"),
        "{refused:?}"
    );
    day.ok(&["resources", "assign", &id, "office-hours"]);
    let mistagged = unknown["id"].as_str().expect("id").to_owned();
    day.ok(&["resources", "assign", &mistagged, "office-hours"]);

    // Saturday: both follow office-hours now, and are stopped.
    let saturday = day.reconcile("2026-11-28T12:00:00-05:00");
    assert_eq!(saturday.len(), 2, "{saturday:?}");
    assert!(
        saturday
            .iter()
            .all(|v| v["schedule"] == "office-hours" && v["action"] == "stop"),
        "{saturday:?}"
    );
    let delete = day.run(&["schedules", "delete", "office-hours"]);
    assert!(!delete.status.success());
    assert!(
        String::from_utf8_lossy(&delete.stderr).contains(&id),
        "{delete:?}"
    );

    // Monday 09:00 to 17:00: one running interval of 8 hours.
    day.reconcile("2026-11-30T09:00:00-05:00");
    day.reconcile("2026-11-30T17:00:00-05:00");
    let history = day.ok(&["history", &id]);
    assert!(
        history.contains("running: 1 interval(s), 8.0 h in all"),
        "{history}"
    );

    // Unassigned, the untagged one is no longer scheduled; the other follows its tag again.
    day.ok(&["resources", "unassign", &id]);
    day.ok(&["resources", "unassign", &mistagged]);
    let plan: Vec<Value> = day
        .ok(&["plan", "--format", "json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(plan.len(), 1, "{plan:?}");
    assert_eq!(plan[0]["schedule"], "no-such-schedule");
}

/// Upstream's `stopped_tags` and error tag: a failed stop leaves `IS-Error` (kept from its
/// first time while it repeats) and its message; the stop that succeeds takes them off and
/// writes the stopped tags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_stop_leaves_an_error_tag_that_the_next_stop_takes_off() {
    let mut day = Day::new();
    day.ok(&["schedules", "import", day.examples.to_str().expect("utf-8")]);
    day.ok(&[
        "sandbox",
        "seed",
        "--instances",
        "1",
        "--tag",
        "Schedule=office-hours",
    ]);
    day.set("ISCHED_ERROR_TAG", "IS-Error");
    day.set(
        "ISCHED_STOPPED_TAGS",
        "StoppedBy={scheduler},StoppedAt={hour}:{minute}",
    );
    day.set("ISCHED_SANDBOX_FAILURE_RATE", "1");
    let failed = day.failing_reconcile("2026-11-25T08:00:00-05:00");
    let id = failed[0]["resource"].as_str().expect("id").to_owned();
    assert!(
        failed[0]["outcome"]
            .as_str()
            .is_some_and(|o| o.starts_with("failed")),
        "{failed:?}"
    );
    let tags = day.tags(&id);
    assert_eq!(tags["IS-Error"], "StopFailed 2026-11-25 13:00:00 UTC");
    let message = tags["IS-ErrorMessage"].as_str().expect("message");
    assert!(message.contains("simulated failure"), "{message}");
    assert!(!tags.contains_key("StoppedBy"), "{tags:?}");

    // It fails again: the tag still tells when the failures began.
    day.failing_reconcile("2026-11-25T08:30:00-05:00");
    assert_eq!(
        day.tags(&id)["IS-Error"],
        "StopFailed 2026-11-25 13:00:00 UTC"
    );

    day.set("ISCHED_SANDBOX_FAILURE_RATE", "0");
    let stopped = day.reconcile("2026-11-25T08:45:00-05:00");
    assert_eq!(stopped[0]["outcome"], "ok", "{stopped:?}");
    let tags = day.tags(&id);
    assert!(!tags.contains_key("IS-Error"), "{tags:?}");
    assert!(!tags.contains_key("IS-ErrorMessage"), "{tags:?}");
    assert_eq!(tags["StoppedBy"], "isched");
    assert_eq!(tags["StoppedAt"], "13:45");
}
