//! The scheduler inside `isched serve` wakes at the exact transition, not on a poll.

use isched_testkit::{Backend, backend_tests, spawn_app_with};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(starts_at_the_transition_second);

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
    let sandbox = isched_cloud::sandbox::SandboxProvider::new(
        app.store.clone(),
        isched_cloud::sandbox::SandboxOptions {
            transition_delay: SignedDuration::ZERO,
            ..Default::default()
        },
    );
    let tags = std::collections::BTreeMap::from([("Schedule".to_owned(), "soon".to_owned())]);
    let ids = sandbox
        .seed("sandbox-1", 2, "t3.micro", &tags)
        .await
        .expect("seed");

    // Put the server's clock 4 seconds before a minute boundary, and a period there.
    let now = app.clock.now();
    let into_minute = now.as_second().rem_euclid(60);
    app.clock
        .advance(SignedDuration::from_secs(56 - into_minute));
    let boundary =
        Timestamp::from_second((app.clock.now().as_second() / 60 + 1) * 60).expect("instant");
    let begin = boundary.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let end = begin.checked_add(2.hours()).expect("later");
    let period = json!({ "name": "soon", "begintime": begin.strftime("%H:%M").to_string(), "endtime": end.strftime("%H:%M").to_string() });
    assert_eq!(
        app.post("/api/v1/periods", Some(&admin), &period)
            .await
            .status(),
        201
    );
    assert_eq!(
        app.post(
            "/api/v1/schedules",
            Some(&admin),
            &json!({ "name": "soon", "timezone": "UTC", "periods": ["soon"] })
        )
        .await
        .status(),
        201
    );

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
