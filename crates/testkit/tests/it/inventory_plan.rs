//! The plan page decides once per group of resources that share every input of a decision
//! (`Store::inventory_plan_groups`): it must decide exactly as a live plan that decides
//! each resource on its own, with memory, stored and tagged overrides, an unknown
//! schedule, and running and stopped resources.

use isched_cloud::Provider;
use isched_cloud::sandbox::{ACCOUNT, SandboxOptions, SandboxProvider};
use isched_engine::inventory_plan::plan_inventory;
use isched_engine::plan::{OVERRIDE_TAG, plan};
use isched_store::overrides::StoredOverride;
use isched_testkit::{Backend, backend_tests, spawn_app_with};
use jiff::Timestamp;
use std::collections::BTreeMap;

backend_tests!(grouped_decisions_are_each_resources_own);

async fn grouped_decisions_are_each_resources_own(backend: Backend) {
    // The server's own sandbox settles transitions at once, as the one here does.
    let Some(app) = spawn_app_with(backend, |c| c.sandbox.transition_secs = 0).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let sandbox = SandboxProvider::new(
        app.store.clone(),
        SandboxOptions {
            transition_delay: jiff::SignedDuration::ZERO,
            ..Default::default()
        },
    );
    let region = "sandbox-1";
    let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let office = sandbox
        .seed(region, 6, "t3.micro", &tags(&[("Schedule", "office")]))
        .await
        .expect("seed");
    sandbox
        .seed(region, 2, "t3.small", &tags(&[("Schedule", "nowhere")]))
        .await
        .expect("seed");
    sandbox
        .seed(
            region,
            2,
            "t3.micro",
            &tags(&[
                ("Schedule", "office"),
                (OVERRIDE_TAG, "running until 2030-01-01T00:00:00Z"),
            ]),
        )
        .await
        .expect("seed");
    sandbox
        .seed(region, 3, "t3.micro", &tags(&[("Owner", "x@example.com")]))
        .await
        .expect("seed");
    let key = |id: &str| format!("sandbox:{ACCOUNT}:{region}:{id}");
    // A Monday at 08:00 in Berlin: a pass stops them all (remembered as stopped)...
    let monday_8: Timestamp = "2026-12-07T07:00:00Z".parse().expect("instant");
    isched_engine::reconcile::reconcile(
        &sandbox,
        &app.store,
        "Schedule",
        monday_8,
        &Default::default(),
    )
    .await
    .expect("pass");
    // ... someone starts one by hand, another gets a stored override, a third one that
    // has already ended.
    let started = sandbox
        .start(
            &isched_cloud::Target {
                account: ACCOUNT.into(),
                region: region.into(),
            },
            &[isched_cloud::ResourceRef {
                id: office[0].clone(),
                kind: isched_cloud::ResourceKind::SandboxInstance,
            }],
        )
        .await;
    assert!(started[0].outcome.is_ok(), "{started:?}");
    let stored = |state: &str, until: &str| StoredOverride {
        state: state.into(),
        until: until.parse().expect("instant"),
        created_by: "test".into(),
    };
    for (id, o) in [
        (&office[1], stored("running", "2030-01-01T00:00:00Z")),
        (&office[2], stored("stopped", "2026-12-07T07:30:00Z")),
    ] {
        app.store
            .set_override(&key(id), &o, monday_8)
            .await
            .expect("override");
    }
    // The inventory as a discovery sees it now.
    app.refresh_inventory(&admin).await;

    for at in [
        "2026-12-07T07:10:00Z",
        "2026-12-07T08:30:00Z",
        "2026-12-07T17:00:00Z",
        "2026-12-12T10:00:00Z",
    ] {
        let at: Timestamp = at.parse().expect("instant");
        let live = plan(&sandbox, &app.store, "Schedule", at)
            .await
            .expect("live plan");
        let grouped = plan_inventory(&app.store, at, 1000, 1000)
            .await
            .expect("grouped plan");
        assert_eq!(grouped.total, live.len(), "at {at}");
        let decisions = |planned: &[isched_engine::plan::Planned]| -> BTreeMap<String, String> {
            planned
                .iter()
                .map(|p| {
                    (
                        p.key.clone(),
                        format!(
                            "{} {:?} {} {}",
                            p.resource.state.as_str(),
                            p.desired,
                            p.decision.action.as_str(),
                            p.decision.reason
                        ),
                    )
                })
                .collect()
        };
        assert_eq!(decisions(&grouped.listed), decisions(&live), "at {at}");
        let counted: usize = grouped.lines.iter().map(|l| l.count).sum();
        assert_eq!(counted, live.len());
    }
    // Listing is bounded; the counts still cover everyone.
    let at: Timestamp = "2026-12-07T08:30:00Z".parse().expect("instant");
    let small = plan_inventory(&app.store, at, 1, 1).await.expect("plan");
    assert_eq!(small.listed.len(), 2);
    assert_eq!(small.total, 10);
    app.stop().await;
}
