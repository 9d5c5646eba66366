//! Reports not per resource sum the rolled-up totals per owner, template and schedule
//! (migration 0020), not the rows per resource: for every grouping and both tables, the
//! totals must give what summing the rows per resource gives, also when a resource changed
//! owner within the month and when a day is rolled up a second time.

use isched_store::Store;
use isched_store::usage_rollups::{GroupBy, Rollup, UsageRow, UsageSums};
use isched_testkit::{Backend, TestDb, backend_tests};
use std::collections::BTreeMap;

backend_tests!(totals_sum_to_the_rows_per_resource);

const ZONE: &str = "Europe/Paris";

fn row(day: &str, resource: &str, owner: &str, schedule: &str, hours: i64) -> UsageRow {
    UsageRow {
        period: day.to_owned(),
        resource: resource.to_owned(),
        owner: owner.to_owned(),
        template: "(none)".to_owned(),
        schedule: schedule.to_owned(),
        sums: UsageSums {
            running_seconds: hours * 3600,
            existing_seconds: 24 * 3600,
            planned_seconds: 8 * 3600,
            unplanned_seconds: (hours - 8).max(0) * 3600,
            cost: hours as f64 * 0.25,
            saved_cost: (24 - hours) as f64 * 0.25,
            unplanned_cost: (hours - 8).max(0) as f64 * 0.25,
        },
    }
}

/// What a report grouped by `group` over `rows` must say.
fn expected(rows: &[UsageRow], group: GroupBy) -> BTreeMap<String, UsageSums> {
    let mut out: BTreeMap<String, UsageSums> = BTreeMap::new();
    for r in rows {
        out.entry(group.key_of(r).to_owned())
            .or_default()
            .add(&r.sums);
    }
    out
}

async fn sums(
    store: &Store,
    from: Rollup,
    group: GroupBy,
    (first, last): (&str, &str),
    owner: Option<&str>,
) -> BTreeMap<String, UsageSums> {
    store
        .usage_sums(from, group, ZONE, first, last, owner)
        .await
        .expect("sums")
        .into_iter()
        .collect()
}

fn assert_close(got: &BTreeMap<String, UsageSums>, want: &BTreeMap<String, UsageSums>, what: &str) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (key, w) in want {
        let g = &got[key];
        let money = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(
            g.running_seconds == w.running_seconds
                && g.existing_seconds == w.existing_seconds
                && g.planned_seconds == w.planned_seconds
                && g.unplanned_seconds == w.unplanned_seconds
                && money(g.cost, w.cost)
                && money(g.saved_cost, w.saved_cost)
                && money(g.unplanned_cost, w.unplanned_cost),
            "{what}, {key}: {g:?} != {w:?}"
        );
    }
}

async fn totals_sum_to_the_rows_per_resource(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let store = Store::connect(db.url()).await.expect("connect and migrate");
    // February 2026 in three days: r1 passes from a to b on the 28th; r3 is on another
    // schedule; r4 appears only when the 28th is rolled up again.
    let days = [
        vec![
            row("2026-02-01", "r1", "a@x.test", "office", 8),
            row("2026-02-01", "r2", "b@x.test", "office", 10),
            row("2026-02-01", "r3", "a@x.test", "nights", 12),
        ],
        vec![
            row("2026-02-14", "r1", "a@x.test", "office", 9),
            row("2026-02-14", "r2", "b@x.test", "office", 0),
        ],
        vec![
            row("2026-02-28", "r1", "b@x.test", "office", 8),
            row("2026-02-28", "r3", "a@x.test", "nights", 24),
        ],
    ];
    for day in &days {
        store
            .save_usage_day(ZONE, &day[0].period, day)
            .await
            .expect("save day");
    }
    // Rolled up again (another replica): the rows already there stay, the new one is
    // added, and the totals are those of every row.
    let again = vec![
        row("2026-02-28", "r1", "b@x.test", "office", 1),
        row("2026-02-28", "r4", "c@x.test", "office", 5),
    ];
    store
        .save_usage_day(ZONE, "2026-02-28", &again)
        .await
        .expect("save the day again");
    store
        .save_usage_month(ZONE, "2026-02")
        .await
        .expect("save month");
    let mut all: Vec<UsageRow> = days.concat();
    all.push(again[1].clone());

    for group in [
        GroupBy::Day,
        GroupBy::Owner,
        GroupBy::Template,
        GroupBy::Schedule,
        GroupBy::Resource,
    ] {
        let want = expected(&all, group);
        let got = sums(
            &store,
            Rollup::Days,
            group,
            ("2026-02-01", "2026-02-28"),
            None,
        )
        .await;
        assert_close(&got, &want, &format!("days per {group:?}"));
        // One owner only, as a user sees their own.
        let theirs: Vec<UsageRow> = all
            .iter()
            .filter(|r| r.owner == "a@x.test")
            .cloned()
            .collect();
        let got = sums(
            &store,
            Rollup::Days,
            group,
            ("2026-02-01", "2026-02-28"),
            Some("a@x.test"),
        )
        .await;
        assert_close(
            &got,
            &expected(&theirs, group),
            &format!("a's per {group:?}"),
        );
        // Part of the month.
        let part: Vec<UsageRow> = all
            .iter()
            .filter(|r| r.period.as_str() <= "2026-02-14")
            .cloned()
            .collect();
        let got = sums(
            &store,
            Rollup::Days,
            group,
            ("2026-02-01", "2026-02-14"),
            None,
        )
        .await;
        assert_close(
            &got,
            &expected(&part, group),
            &format!("to the 14th per {group:?}"),
        );
    }

    // Month totals keep each day's owner (r1 counts under a and under b); month rows per
    // resource keep one owner per resource, which only the report per resource reads.
    for group in [GroupBy::Owner, GroupBy::Template, GroupBy::Schedule] {
        let got = sums(&store, Rollup::Months, group, ("2026-02", "2026-02"), None).await;
        assert_close(
            &got,
            &expected(&all, group),
            &format!("month per {group:?}"),
        );
    }
    let per_resource = sums(
        &store,
        Rollup::Months,
        GroupBy::Resource,
        ("2026-02", "2026-02"),
        None,
    )
    .await;
    assert_close(
        &per_resource,
        &expected(&all, GroupBy::Resource),
        "month per resource",
    );
}
