//! Failed-start counts are kept in the database: a restarted scheduler, or another replica
//! that takes the lease, continues the backoff where it was and reports a failure once.

use isched_cloud::{Resource, ResourceKind, ResourceState};
use isched_engine::decide::{Action, Decision};
use isched_engine::plan::Planned;
use isched_engine::reconcile::{Done, Outcome};
use isched_engine::retries::{RETRIES, StartRetries};
use isched_store::Store;
use isched_testkit::{Backend, TestDb, backend_tests};
use jiff::{SignedDuration, Timestamp};

backend_tests!(failed_start_counts_survive_a_restart);

const KEY: &str = "sandbox:000000000000:sandbox-1:i-1";

fn start(outcome: Outcome) -> Done {
    Done {
        planned: Planned {
            resource: Resource {
                id: "i-1".into(),
                provider: "sandbox".into(),
                kind: ResourceKind::SandboxInstance,
                account: "000000000000".into(),
                region: "sandbox-1".into(),
                state: ResourceState::Stopped,
                raw_state: "stopped".into(),
                instance_type: Some("t3.micro".into()),
                tags: Default::default(),
                launched_at: None,
                maintenance_window: None,
            },
            key: KEY.into(),
            schedule: "always".into(),
            desired: Some("running"),
            decision: Decision {
                action: Action::Start,
                reason: "in period".into(),
                record: None,
            },
            memory: None,
            active_override: None,
            expired_override: false,
        },
        outcome,
    }
}

/// One pass by a scheduler that has just started: it knows only what is stored.
async fn pass(store: &Store, done: Done, now: Timestamp) -> isched_engine::retries::RetryPlan {
    let mut retries = StartRetries::load(store).await.expect("load counts");
    let plan = retries.after_pass(&[done], now);
    retries.save(store, now).await.expect("save counts");
    plan
}

async fn failed_start_counts_survive_a_restart(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let store = Store::connect(db.url()).await.expect("connect");
    let mut now = Timestamp::from_second(1_800_000_000).expect("in range");
    for n in 1..=RETRIES {
        let plan = pass(&store, start(Outcome::Failed("capacity".into())), now).await;
        let delay = SignedDuration::from_secs(15 * 2i64.pow(n - 1));
        assert_eq!(plan.retry_at, Some(now + delay), "retry #{n}");
        assert!(
            plan.reports.is_empty(),
            "no report before the retries are spent"
        );
        now += delay;
    }
    let plan = pass(&store, start(Outcome::Failed("capacity".into())), now).await;
    assert_eq!(plan.reports.len(), 1, "reported once the retries are spent");
    assert!(
        plan.reports[0].0.reason.contains("failed 6 times"),
        "{}",
        plan.reports[0].0.reason
    );
    let plan = pass(&store, start(Outcome::Failed("capacity".into())), now).await;
    assert!(plan.reports.is_empty(), "not reported twice");
    assert_eq!(
        store.start_failures().await.expect("counts").get(KEY),
        Some(&7)
    );

    // A start that works clears the count.
    pass(&store, start(Outcome::Ok), now).await;
    assert!(store.start_failures().await.expect("counts").is_empty());

    // A count nobody updates for a day belongs to a resource that is gone.
    pass(&store, start(Outcome::Failed("capacity".into())), now).await;
    let mut other = start(Outcome::Failed("capacity".into()));
    other.planned.key = format!("{KEY}-other");
    pass(&store, other, now + SignedDuration::from_hours(25)).await;
    let left = store.start_failures().await.expect("counts");
    assert_eq!(left.keys().collect::<Vec<_>>(), [&format!("{KEY}-other")]);
}
