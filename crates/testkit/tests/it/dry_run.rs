//! `ISCHED_DRY_RUN`: the scheduler records each decision once, as a pass that acted would,
//! and the cloud is not touched.

use crate::scheduler::{create_soon_schedule, four_seconds_before_a_minute, seed_soon};
use isched_cloud::sandbox::{ACCOUNT, SandboxOptions, SandboxProvider};
use isched_cloud::{Provider, ResourceState, TagFilter, Target};
use isched_testkit::{Backend, backend_tests, spawn_app_with};
use std::time::Duration;

backend_tests!(a_dry_run_records_and_acts_on_nothing);

async fn a_dry_run_records_and_acts_on_nothing(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| {
        c.scheduler_enabled = true;
        c.dry_run = true;
        c.sandbox.transition_secs = 0;
    })
    .await
    else {
        return;
    };
    let admin = app.admin_token().await;
    let ids = seed_soon(&app, 2).await;
    let boundary = four_seconds_before_a_minute(&[&app]);
    // Running outside the period: a pass that acted would stop both.
    create_soon_schedule(&app, &admin, boundary).await;
    let keys: Vec<String> = ids
        .iter()
        .map(|id| format!("sandbox:{ACCOUNT}:sandbox-1:{id}"))
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    for key in &keys {
        loop {
            let history = app.store.history(key).await.expect("history");
            if let Some(stop) = history
                .iter()
                .find(|e| e.action == "stop" && e.is_settled())
            {
                assert_eq!(stop.outcome, "dry run", "{history:?}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no stop recorded for {key}: {history:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Past the boundary the schedule wants them running, which they still are: the pass
    // there records that, and the stop stays recorded once.
    app.clock.advance(jiff::SignedDuration::from_secs(10));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    for key in &keys {
        let history = loop {
            let history = app.store.history(key).await.expect("history");
            if history.iter().any(|e| e.at >= boundary) {
                break history;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no pass after the boundary for {key}: {history:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let stops = history.iter().filter(|e| e.action == "stop").count();
        assert_eq!(stops, 1, "{history:?}");
        assert!(
            history.iter().all(|e| e.outcome != "ok"),
            "acted in a dry run: {history:?}"
        );
    }
    let sandbox = SandboxProvider::new(app.store.clone(), SandboxOptions::default());
    let target = Target {
        account: ACCOUNT.into(),
        region: "sandbox-1".into(),
    };
    let found = sandbox
        .discover(&target, &TagFilter::default())
        .await
        .expect("discover");
    for id in &ids {
        let r = found.iter().find(|r| &r.id == id).expect("still there");
        assert_eq!(r.state, ResourceState::Running, "{id} was touched");
    }
    // Nothing stopped, so the running time was not cut.
    assert_eq!(app.store.open_intervals().await.expect("open").len(), 2);
    app.stop().await;
}
