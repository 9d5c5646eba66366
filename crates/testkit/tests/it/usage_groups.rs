//! A usage report not per resource counts the scheduled resources that did not run and
//! count alike once, with a weight (`Store::inventory_usage_groups`): its figures must be
//! those of the report per resource, summed, for every grouping.

use isched_cloud::sandbox::{ACCOUNT, SandboxOptions, SandboxProvider};
use isched_engine::usage::{Prices, ReportRequest, UsageSettings, report};
use isched_store::Store;
use isched_store::scheduling::PassRecord;
use isched_store::usage_rollups::{GroupBy, UsageSums};
use isched_testkit::{Backend, backend_tests, spawn_app};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

backend_tests!(
    weighted_subjects_count_as_each_resource,
    intervals_run_alike_are_one_row
);

async fn weighted_subjects_count_as_each_resource(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    app.office_schedule(&admin).await;
    let sandbox = SandboxProvider::new(app.store.clone(), SandboxOptions::default());
    let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let region = "sandbox-1";
    let mut ran = Vec::new();
    for (n, kind, t) in [
        (
            5,
            "t3.micro",
            tags(&[("Schedule", "office"), ("Owner", "a@example.com")]),
        ),
        (
            3,
            "t3.small",
            tags(&[("Schedule", "office"), ("Owner", "b@example.com")]),
        ),
        (
            2,
            "t3.micro",
            tags(&[("Schedule", "office"), ("Owner", "a@example.com")]),
        ),
        (2, "t3.micro", tags(&[("Owner", "c@example.com")])),
    ] {
        let ids = sandbox.seed(region, n, kind, &t).await.expect("seed");
        if ran.is_empty() || n == 2 {
            ran.extend(ids.into_iter().take(1));
        }
    }
    app.refresh_inventory(&admin).await;
    // Some of them ran an hour this morning, one is still running.
    let now = Timestamp::now();
    let keys: Vec<String> = ran
        .iter()
        .map(|id| format!("sandbox:{ACCOUNT}:{region}:{id}"))
        .collect();
    let hour = jiff::SignedDuration::from_hours(1);
    record_passes(
        &app.store,
        vec![
            (now - hour * 3, keys.clone(), vec![]),
            (now - hour * 2, vec![], keys[1..].to_vec()),
        ],
    )
    .await;
    let settings = UsageSettings {
        zone: TimeZone::UTC,
        prices: Prices::new("USD"),
        owner_tag: "Owner".into(),
    };
    let today = now.to_zoned_datetime(TimeZone::UTC).date();
    let ask = |group_by| ReportRequest {
        first: today.yesterday().expect("date"),
        last: today,
        zone: TimeZone::UTC,
        group_by,
        owner: None,
    };
    let per_resource = report(&app.store, &settings, &ask(GroupBy::Resource), now)
        .await
        .expect("per resource");
    assert_eq!(
        per_resource.rows.len(),
        11,
        "every scheduled or running resource"
    );
    for group_by in [GroupBy::Day, GroupBy::Owner, GroupBy::Schedule] {
        let grouped = report(&app.store, &settings, &ask(group_by), now)
            .await
            .expect("grouped");
        same(&grouped.total, &per_resource.total, group_by);
    }
    // Per owner, against the resources of that owner counted one by one.
    let by_owner = report(&app.store, &settings, &ask(GroupBy::Owner), now)
        .await
        .expect("by owner");
    for owner in ["a@example.com", "b@example.com"] {
        let row = by_owner
            .rows
            .iter()
            .find(|r| r.key == owner)
            .expect("a row for the owner");
        let own = ReportRequest {
            owner: Some(owner.into()),
            ..ask(GroupBy::Resource)
        };
        let each = report(&app.store, &settings, &own, now)
            .await
            .expect("their resources");
        same(&row.sums, &each.total, GroupBy::Owner);
    }
    app.stop().await;
}

/// Passes that started and stopped these resources running, each at its instant.
async fn record_passes(store: &Store, passes: Vec<(Timestamp, Vec<String>, Vec<String>)>) {
    for (at, started_running, stopped_running) in passes {
        let pass = PassRecord {
            at,
            started_running,
            stopped_running,
            ..PassRecord::default()
        };
        store.record_pass(&pass).await.expect("pass");
    }
}

fn same(a: &UsageSums, b: &UsageSums, group_by: GroupBy) {
    assert_eq!(
        (
            a.running_seconds,
            a.existing_seconds,
            a.planned_seconds,
            a.unplanned_seconds
        ),
        (
            b.running_seconds,
            b.existing_seconds,
            b.planned_seconds,
            b.unplanned_seconds
        ),
        "{group_by:?}"
    );
    for (x, y) in [
        (a.cost, b.cost),
        (a.saved_cost, b.saved_cost),
        (a.unplanned_cost, b.unplanned_cost),
    ] {
        assert!((x - y).abs() < 1e-6, "{group_by:?}: {x} vs {y}");
    }
}

/// `Store::shared_intervals_between`: one row per distinct (start, end), with every
/// resource that ran so, ordered by start then end (open first); intervals outside the
/// range are left out.
async fn intervals_run_alike_are_one_row(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let hour = jiff::SignedDuration::from_hours(1);
    let now = Timestamp::now().round(jiff::Unit::Second).expect("rounded");
    let keys = |names: &[&str]| -> Vec<String> { names.iter().map(|n| (*n).to_owned()).collect() };
    // a, b and c start together; a and b stop together; d runs only before the range.
    record_passes(
        &app.store,
        vec![
            (now - hour * 9, keys(&["d"]), keys(&[])),
            (now - hour * 8, keys(&[]), keys(&["d"])),
            (now - hour * 3, keys(&["a", "b", "c"]), keys(&[])),
            (now - hour * 2, keys(&[]), keys(&["a", "b"])),
            (now - hour, keys(&["a"]), keys(&[])),
        ],
    )
    .await;
    let shared = app
        .store
        .shared_intervals_between(now - hour * 4, now)
        .await
        .expect("intervals");
    let got: Vec<(Timestamp, Option<Timestamp>, Vec<String>)> = shared
        .into_iter()
        .map(|s| {
            let mut resources = s.resources;
            resources.sort();
            (s.interval.started_at, s.interval.ended_at, resources)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (now - hour * 3, None, keys(&["c"])),
            (now - hour * 3, Some(now - hour * 2), keys(&["a", "b"])),
            (now - hour, None, keys(&["a"])),
        ]
    );
    app.stop().await;
}
