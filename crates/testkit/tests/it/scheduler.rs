//! The scheduler inside `isched serve` wakes at the exact transition, not on a poll.

use isched_testkit::{Backend, TestApp, backend_tests, spawn_app_with};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(starts_at_the_transition_second);

/// `n` running sandbox instances tagged `Schedule=soon`.
async fn seed_soon(app: &TestApp, n: usize) -> Vec<String> {
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
fn four_seconds_before_a_minute(apps: &[&TestApp]) -> Timestamp {
    let into_minute = apps[0].clock.now().as_second().rem_euclid(60);
    for a in apps {
        a.clock.advance(SignedDuration::from_secs(56 - into_minute));
    }
    Timestamp::from_second((apps[0].clock.now().as_second() / 60 + 1) * 60).expect("instant")
}

/// The schedule `soon` (UTC) with a period that begins at `boundary`.
async fn create_soon_schedule(app: &TestApp, admin: &str, boundary: Timestamp) {
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
        if let Some(s) = history.iter().find(|e| e.action == "start") {
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

backend_tests!(replicas_share_the_scheduler_through_a_lease);

async fn scheduler_status(app: &isched_testkit::TestApp) -> String {
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

async fn statuses(apps: &[&isched_testkit::TestApp]) -> Vec<String> {
    let mut out = Vec::new();
    for a in apps {
        out.push(scheduler_status(a).await);
    }
    out
}

async fn replicas_share_the_scheduler_through_a_lease(backend: Backend) {
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
    let Some(first) = spawn_app_with(backend, replica(None)).await else {
        return;
    };
    // A replica that died holding the lease: the others wait for it to lapse.
    let now = first.clock.now();
    first
        .store
        .try_lease(
            "scheduler",
            "dead-replica",
            now,
            now + SignedDuration::from_secs(3),
        )
        .await
        .expect("lease");
    let url = first.db.url().to_owned();
    let second = spawn_app_with(backend, replica(Some(url.clone())))
        .await
        .expect("second");
    let third = spawn_app_with(backend, replica(Some(url)))
        .await
        .expect("third");
    let apps = [&first, &second, &third];

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let holder = loop {
        let s = statuses(&apps).await;
        if s.iter().filter(|x| *x == "ok").count() == 1
            && s.iter().filter(|x| *x == "standby").count() == 2
        {
            break s.iter().position(|x| x == "ok").expect("holder");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no single holder after the dead one's lease lapsed: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    // A transition is acted on exactly once. Definitions go through the holder's API, which
    // wakes its scheduler at once (the others would learn of them at their next pass).
    let leader = apps[holder];
    let admin = leader.admin_token().await;
    let ids = seed_soon(&first, 3).await;
    let boundary = four_seconds_before_a_minute(&apps);
    create_soon_schedule(leader, &admin, boundary).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    for id in &ids {
        let history = first
            .store
            .history(&format!(
                "sandbox:{}:sandbox-1:{id}",
                isched_cloud::sandbox::ACCOUNT
            ))
            .await
            .expect("history");
        let starts = history.iter().filter(|e| e.action == "start").count();
        assert_eq!(starts, 1, "{history:?}");
    }

    // The holder goes away; another replica takes over within the lease period. (The
    // first app owns the test database, so when it holds the lease only the takeover from
    // the dead replica above is checked.)
    let mut rest: Vec<isched_testkit::TestApp> = Vec::new();
    let mut stopped = None;
    for (i, a) in [first, second, third].into_iter().enumerate() {
        if i == holder && i != 0 {
            stopped = Some(a);
        } else {
            rest.push(a);
        }
    }
    if let Some(a) = stopped {
        a.stop().await;
        let deadline = std::time::Instant::now() + Duration::from_secs(6);
        loop {
            let s = statuses(&rest.iter().collect::<Vec<_>>()).await;
            if s.iter().filter(|x| *x == "ok").count() == 1 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no takeover: {s:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    while let Some(a) = rest.pop() {
        a.stop().await;
    }
}
