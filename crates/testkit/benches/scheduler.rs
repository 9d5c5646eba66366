//! The scheduler at fleet scale (issue E): 10,000 sandbox instances on 100 schedules in ten
//! time zones, whose periods all end at the same instant. Measures the time to plan the
//! fleet, and the transition lag (the boundary → the cloud call that acts on a resource is
//! issued) of the real continuous scheduler, p50/p99/max. Goal: p99 under 1 s.
//! Run: `cargo bench -p isched-testkit --bench scheduler`.

use async_trait::async_trait;
use isched_cloud::sandbox::{SandboxOptions, SandboxProvider};
use isched_cloud::{
    ActionResult, CloudError, LaunchSpec, Provider, Resource, ResourceRef, TagFilter, Target,
};
use isched_engine::notify::Notifier;
use isched_engine::reminders::ReminderSettings;
use isched_engine::scheduler::{Scheduler, SchedulerHandle};
use isched_store::Store;
use isched_testkit::{Backend, TestDb};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCHEDULES: usize = 100;
const PER_SCHEDULE: usize = 100;
const ZONES: [&str; 10] = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// The sandbox, noting when each start or stop call is issued and for how many resources.
struct Timed {
    inner: SandboxProvider,
    issued: Mutex<Vec<(Timestamp, usize)>>,
}

#[async_trait]
impl Provider for Timed {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn targets(&self) -> Result<Vec<Target>, CloudError> {
        self.inner.targets().await
    }
    async fn discover(&self, t: &Target, f: &TagFilter) -> Result<Vec<Resource>, CloudError> {
        self.inner.discover(t, f).await
    }
    async fn start(&self, t: &Target, r: &[ResourceRef]) -> Vec<ActionResult> {
        self.issued
            .lock()
            .expect("log")
            .push((Timestamp::now(), r.len()));
        self.inner.start(t, r).await
    }
    async fn stop(&self, t: &Target, r: &[ResourceRef], hibernate: bool) -> Vec<ActionResult> {
        self.issued
            .lock()
            .expect("log")
            .push((Timestamp::now(), r.len()));
        self.inner.stop(t, r, hibernate).await
    }
    async fn modify_instance_type(
        &self,
        t: &Target,
        r: &ResourceRef,
        ty: &str,
    ) -> Result<(), CloudError> {
        self.inner.modify_instance_type(t, r, ty).await
    }
    async fn create(&self, t: &Target, s: &LaunchSpec) -> Result<Resource, CloudError> {
        self.inner.create(t, s).await
    }
    async fn terminate(&self, t: &Target, r: &ResourceRef) -> Result<(), CloudError> {
        self.inner.terminate(t, r).await
    }
    async fn create_login(
        &self,
        t: &Target,
        name: &str,
    ) -> Result<isched_cloud::Login, CloudError> {
        self.inner.create_login(t, name).await
    }
    async fn delete_login(&self, t: &Target, name: &str) -> Result<(), CloudError> {
        self.inner.delete_login(t, name).await
    }
    async fn retag(
        &self,
        t: &Target,
        r: &[ResourceRef],
        change: &isched_cloud::TagChange,
    ) -> Result<(), CloudError> {
        self.inner.retag(t, r, change).await
    }
}

/// 100 schedules, each with a period that ends at `end` in its own zone.
fn definitions(end: Timestamp) -> isched_schedule::spec::CatalogSpec {
    let mut periods = Vec::new();
    let mut schedules = Vec::new();
    for i in 0..SCHEDULES {
        let zone = ZONES[i % ZONES.len()];
        let local = end.to_zoned_datetime(jiff::tz::TimeZone::get(zone).expect("zone"));
        let begin = local
            .checked_sub(SignedDuration::from_hours(2))
            .expect("earlier");
        periods.push(serde_json::json!({
            "name": format!("p{i:02}"),
            "begintime": begin.strftime("%H:%M").to_string(),
            "endtime": local.strftime("%H:%M").to_string(),
        }));
        schedules.push(serde_json::json!({
            "name": format!("s{i:02}"), "timezone": zone, "periods": [format!("p{i:02}")],
        }));
    }
    serde_json::from_value(serde_json::json!({ "periods": periods, "schedules": schedules }))
        .expect("catalog spec")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn run(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        println!("scheduler on {backend:?}: skipped (database unavailable)");
        return;
    };
    let store = Store::connect(db.url()).await.expect("store");
    let options = SandboxOptions {
        transition_delay: SignedDuration::ZERO,
        ..Default::default()
    };
    let sandbox = SandboxProvider::new(store.clone(), options);
    for i in 0..SCHEDULES {
        let tags = BTreeMap::from([("Schedule".to_owned(), format!("s{i:02}"))]);
        for region in ["sandbox-1", "sandbox-2"] {
            sandbox
                .seed(region, PER_SCHEDULE / 2, "t3.micro", &tags)
                .await
                .expect("seed");
        }
    }
    // The boundary: a whole minute at least 20 s away, so the first pass is done before it.
    let now = Timestamp::now().as_second();
    let end = Timestamp::from_second(((now + 20) / 60 + 1) * 60).expect("boundary");
    isched_engine::definitions::Definitions::new(store.clone())
        .import(&definitions(end), Timestamp::now())
        .await
        .expect("import");

    let provider = Arc::new(Timed {
        inner: sandbox,
        issued: Mutex::new(Vec::new()),
    });
    let mut plan_times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let planned =
            isched_engine::plan::plan(provider.as_ref(), &store, "Schedule", Timestamp::now())
                .await
                .expect("plan");
        plan_times.push(t.elapsed());
        assert_eq!(planned.len(), SCHEDULES * PER_SCHEDULE);
    }
    plan_times.sort();

    let scheduler = Scheduler {
        provider: provider.clone(),
        store: store.clone(),
        schedule_tag: "Schedule".into(),
        clock: isched_auth::clock::Clock::system(),
        resync: SignedDuration::from_mins(5),
        lease: SignedDuration::from_secs(30),
        holder: "bench".into(),
        notifier: Notifier::silent(),
        reminders: ReminderSettings {
            lead: SignedDuration::ZERO,
            snooze: SignedDuration::ZERO,
            public_url: String::new(),
            owner_tag: "Owner".into(),
            sealer: std::sync::Arc::new(isched_auth::sealing::Sealer::none()),
        },
        acting: isched_engine::reconcile::Acting::Act,
        action_tags: Default::default(),
    };
    let handle = SchedulerHandle::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(scheduler.run(handle.clone(), stop_rx));
    let deadline = Instant::now() + Duration::from_secs(150);
    let lags: Vec<f64> = loop {
        let after: Vec<(Timestamp, usize)> = provider
            .issued
            .lock()
            .expect("log")
            .iter()
            .filter(|(t, _)| *t >= end)
            .copied()
            .collect();
        if after.iter().map(|(_, n)| n).sum::<usize>() >= SCHEDULES * PER_SCHEDULE {
            let mut lags: Vec<f64> = after
                .iter()
                .flat_map(|(t, n)| std::iter::repeat_n((*t - end).as_secs_f64(), *n))
                .collect();
            lags.sort_by(f64::total_cmp);
            break lags;
        }
        assert!(Instant::now() < deadline, "the stops did not all happen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = stop_tx.send(true);
    let _ = task.await;
    let p99 = percentile(&lags, 0.99);
    println!(
        "scheduler on {backend:?}: 10,000 instances, 100 schedules, 2 targets; plan: median {:.0?} (min {:.0?}); \
         transition lag of the 10,000 stops at one instant: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (goal p99 < 1 s: {})",
        plan_times[2],
        plan_times[0],
        percentile(&lags, 0.5) * 1e3,
        p99 * 1e3,
        lags.last().copied().unwrap_or_default() * 1e3,
        if p99 < 1.0 { "met" } else { "MISSED" }
    );
    store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    run(Backend::Sqlite).await;
    run(Backend::Postgres).await;
}
