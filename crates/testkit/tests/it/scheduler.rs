//! The scheduler inside `isched serve` wakes at the exact transition, not on a poll.

use isched_testkit::{Backend, TestApp, backend_tests, spawn_app_with};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(starts_at_the_transition_second);

/// `n` running sandbox instances tagged `Schedule=soon`.
pub(crate) async fn seed_soon(app: &TestApp, n: usize) -> Vec<String> {
    let options = isched_cloud::sandbox::SandboxOptions {
        transition_delay: SignedDuration::ZERO,
        ..Default::default()
    };
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(app.store.clone(), options);
    let tags = std::collections::BTreeMap::from([("Schedule".to_owned(), "soon".to_owned())]);
    sandbox
        .seed("sandbox-1", n, "t3.micro", &tags)
        .await
        .expect("seed")
}

/// Moves the servers' clocks (all by the same amount) to 4 seconds before a minute
/// boundary, and returns that boundary.
pub(crate) fn four_seconds_before_a_minute(apps: &[&TestApp]) -> Timestamp {
    let into_minute = apps[0].clock.now().as_second().rem_euclid(60);
    for a in apps {
        a.clock.advance(SignedDuration::from_secs(56 - into_minute));
    }
    Timestamp::from_second((apps[0].clock.now().as_second() / 60 + 1) * 60).expect("instant")
}

/// The schedule `soon` (UTC) with a period that begins at `boundary`.
pub(crate) async fn create_soon_schedule(app: &TestApp, admin: &str, boundary: Timestamp) {
    let begin = boundary.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let end = begin.checked_add(2.hours()).expect("later");
    let period = json!({ "name": "soon", "begintime": begin.strftime("%H:%M").to_string(), "endtime": end.strftime("%H:%M").to_string() });
    assert_eq!(
        app.post("/api/v1/periods", Some(admin), &period)
            .await
            .status(),
        201
    );
    let schedule = json!({ "name": "soon", "timezone": "UTC", "periods": ["soon"] });
    assert_eq!(
        app.post("/api/v1/schedules", Some(admin), &schedule)
            .await
            .status(),
        201
    );
}

async fn starts_at_the_transition_second(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| {
        c.scheduler_enabled = true;
        c.sandbox.transition_secs = 0;
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    let ids = seed_soon(&app, 2).await;
    let boundary = four_seconds_before_a_minute(&[&app]);
    create_soon_schedule(&app, &admin, boundary).await;

    // The change wakes the scheduler: first seen running outside the period, so stopped.
    // Then it sleeps until the boundary and starts both.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let start = loop {
        let history = app
            .store
            .history(&format!(
                "sandbox:{}:sandbox-1:{}",
                isched_cloud::sandbox::ACCOUNT,
                ids[0]
            ))
            .await
            .expect("history");
        if let Some(s) = history
            .iter()
            .find(|e| e.action == "start" && e.is_settled())
        {
            assert!(history.iter().any(|e| e.action == "stop"), "{history:?}");
            break s.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no start by the deadline: {history:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let lag = start.at.as_millisecond() - boundary.as_millisecond();
    assert!(
        (0..1000).contains(&lag),
        "started {lag} ms after the boundary"
    );
    let health: Value = app
        .get("/health/components")
        .await
        .json()
        .await
        .expect("json");
    let scheduler = health["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "scheduler")
        .expect("scheduler")
        .clone();
    assert_eq!(scheduler["status"], "ok", "{scheduler}");
    assert!(
        scheduler["detail"]
            .as_str()
            .expect("detail")
            .contains("next wake-up")
    );
    app.stop().await;
}

backend_tests!(replicas_divide_targets_through_leases);

/// Target lease → the address of the replica holding it (or the holder as written).
async fn target_holders(app: &TestApp) -> std::collections::BTreeMap<String, String> {
    app.store
        .live_leases("target:", app.clock.now())
        .await
        .expect("leases")
        .into_iter()
        .map(|(name, holder)| {
            let address = holder.split('/').next().unwrap_or_default().to_owned();
            (name, address)
        })
        .collect()
}

async fn scheduler_status(app: &TestApp) -> String {
    let health: Value = app
        .get("/health/components")
        .await
        .json()
        .await
        .expect("json");
    let c = health["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "scheduler")
        .expect("scheduler")
        .clone();
    c["status"].as_str().expect("status").to_owned()
}

async fn statuses(apps: &[&TestApp]) -> Vec<String> {
    let mut out = Vec::new();
    for a in apps {
        out.push(scheduler_status(a).await);
    }
    out
}

const TARGET_1: &str = "target:sandbox:sandbox:sandbox-1";

/// Three replicas on one database and two account-region targets: the targets are divided
/// between two replicas, every transition is acted on once, and the targets of a replica
/// that stops are taken over within a lease period.
async fn replicas_divide_targets_through_leases(backend: Backend) {
    let replica = |url: Option<String>| {
        move |c: &mut isched::config::Config| {
            c.scheduler_enabled = true;
            c.sandbox.transition_secs = 0;
            c.lease_secs = 3;
            if let Some(u) = url {
                c.database_url = secrecy::SecretString::from(u);
            }
        }
    };
    // The database's owner serves the API only; three replicas schedule.
    let Some(owner) = spawn_app_with(backend, |c| c.sandbox.transition_secs = 0).await else {
        return;
    };
    // A replica that died holding a target: the others wait for its lease to lapse.
    let now = owner.clock.now();
    let lapse = now + SignedDuration::from_secs(3);
    for name in ["replica:dead-replica", TARGET_1] {
        assert!(
            owner
                .store
                .try_lease(name, "dead-replica", now, lapse)
                .await
                .expect("lease")
        );
    }
    let mut ids = seed_soon(&owner, 3).await;
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(
        owner.store.clone(),
        isched_cloud::sandbox::SandboxOptions {
            transition_delay: SignedDuration::ZERO,
            ..Default::default()
        },
    );
    let tags = std::collections::BTreeMap::from([("Schedule".to_owned(), "soon".to_owned())]);
    let second_region = sandbox
        .seed("sandbox-2", 3, "t3.micro", &tags)
        .await
        .expect("seed");
    let url = owner.db.url().to_owned();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(
            spawn_app_with(backend, replica(Some(url.clone())))
                .await
                .expect("replica"),
        );
    }
    let apps: Vec<&TestApp> = replicas.iter().collect();
    let addresses: Vec<String> = apps.iter().map(|a| a.address.to_string()).collect();

    // Once the dead replica's lease lapses, two live replicas hold one target each.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let holders = target_holders(&owner).await;
        let distinct: std::collections::BTreeSet<&String> = holders.values().collect();
        if holders.len() == 2
            && distinct.len() == 2
            && distinct.iter().all(|h| addresses.contains(h))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "targets not divided between two replicas: {holders:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(statuses(&apps).await.iter().any(|s| s == "standby"));

    // Every transition is acted on exactly once, in both targets. Definitions go through
    // one replica's API; the others notice the change at their next lease renewal.
    let admin = owner.admin_token().await;
    let mut clocks = apps.clone();
    clocks.push(&owner);
    let boundary = four_seconds_before_a_minute(&clocks);
    create_soon_schedule(&owner, &admin, boundary).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    let keys: Vec<String> = ids
        .drain(..)
        .map(|id| format!("sandbox:sandbox:sandbox-1:{id}"))
        .chain(
            second_region
                .iter()
                .map(|id| format!("sandbox:sandbox:sandbox-2:{id}")),
        )
        .collect();
    for key in &keys {
        let history = owner.store.history(key).await.expect("history");
        let starts = history.iter().filter(|e| e.action == "start").count();
        assert_eq!(starts, 1, "{key}: {history:?}");
    }

    // A replica holding a target stops; its target is taken over within the lease period.
    let holders = target_holders(&owner).await;
    let (target, gone) = holders
        .iter()
        .next()
        .map(|(t, h)| (t.clone(), h.clone()))
        .expect("a held target");
    let mut rest = Vec::new();
    for a in replicas {
        if a.address.to_string() == gone {
            a.stop().await;
        } else {
            rest.push(a);
        }
    }
    let stopped_at = std::time::Instant::now();
    loop {
        let holders = target_holders(&owner).await;
        if holders.get(&target).is_some_and(|h| *h != gone) {
            break;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(5),
            "{target} not taken over: {holders:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    while let Some(a) = rest.pop() {
        a.stop().await;
    }
    owner.stop().await;
}

backend_tests!(catches_up_after_a_pause);

/// A replica stops while its instances run; their period ends during the pause; the
/// replica that starts afterwards stops them at once, by the same rules (a stop by hand
/// during the pause needs nothing).
async fn catches_up_after_a_pause(backend: Backend) {
    let Some(owner) = spawn_app_with(backend, |c| c.sandbox.transition_secs = 0).await else {
        return;
    };
    let admin = owner.admin_token().await;
    let ids = seed_soon(&owner, 2).await;
    // The period `soon` runs from two hours ago until the next minute boundary after 20 s.
    let now = owner.clock.now().as_second();
    let end = Timestamp::from_second(((now + 20) / 60 + 1) * 60).expect("end");
    let end_utc = end.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let begin = end_utc.checked_sub(2.hours()).expect("earlier");
    let period = json!({ "name": "soon", "begintime": begin.strftime("%H:%M").to_string(), "endtime": end_utc.strftime("%H:%M").to_string() });
    assert_eq!(
        owner
            .post("/api/v1/periods", Some(&admin), &period)
            .await
            .status(),
        201
    );
    let schedule = json!({ "name": "soon", "timezone": "UTC", "periods": ["soon"] });
    assert_eq!(
        owner
            .post("/api/v1/schedules", Some(&admin), &schedule)
            .await
            .status(),
        201
    );
    let key = |id: &str| format!("sandbox:{}:sandbox-1:{id}", isched_cloud::sandbox::ACCOUNT);
    let url = owner.db.url().to_owned();
    let scheduling = |c: &mut isched::config::Config| {
        c.scheduler_enabled = true;
        c.sandbox.transition_secs = 0;
        c.database_url = secrecy::SecretString::from(url.clone());
    };

    // Before the pause: both seen running inside their period.
    let before = spawn_app_with(backend, scheduling).await.expect("replica");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while owner
        .store
        .resource_states()
        .await
        .expect("states")
        .values()
        .filter(|m| m.last_desired == "running")
        .count()
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "no first pass");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    before.stop().await;

    // The pause: the period ends, and someone stops one instance by hand.
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(
        owner.store.clone(),
        isched_cloud::sandbox::SandboxOptions {
            transition_delay: SignedDuration::ZERO,
            ..Default::default()
        },
    );
    let target = isched_cloud::Target {
        account: isched_cloud::sandbox::ACCOUNT.into(),
        region: "sandbox-1".into(),
    };
    let by_hand = isched_cloud::ResourceRef {
        kind: isched_cloud::ResourceKind::SandboxInstance,
        id: ids[1].clone(),
    };
    use isched_cloud::Provider;
    assert!(
        sandbox.stop(&target, &[by_hand], false).await[0]
            .outcome
            .is_ok()
    );
    let later = isched_auth::clock::Clock::system();
    later.advance((end - Timestamp::now()) + SignedDuration::from_hours(1));
    let after = isched_testkit::spawn_app_on_clock(backend, later.clone(), scheduling)
        .await
        .expect("replica");

    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let history = loop {
        let h = owner.store.history(&key(&ids[0])).await.expect("history");
        if h.iter().any(|e| e.action == "stop" && e.is_settled()) {
            break h;
        }
        assert!(std::time::Instant::now() < deadline, "no catch-up: {h:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stop = history
        .iter()
        .find(|e| e.action == "stop" && e.is_settled())
        .expect("stop");
    assert_eq!(
        (stop.outcome.as_str(), stop.reason.as_str()),
        ("ok", "the running period ended")
    );
    assert!(stop.at >= end + SignedDuration::from_mins(59), "{stop:?}");
    let other = owner.store.history(&key(&ids[1])).await.expect("history");
    assert!(other.iter().all(|e| e.action == "none"), "{other:?}");
    assert_eq!(
        other.last().map(|e| e.reason.as_str()),
        Some("stopped as scheduled")
    );
    after.stop().await;
    owner.stop().await;
}
