//! Usage as the scheduler would have recorded it, written straight to the store with
//! chosen instants: a scheduled resource in the inventory, and its running intervals.

use isched_store::Store;
use isched_store::inventory::{InventoryItem, InventoryUpdate};
use isched_store::scheduling::PassRecord;
use jiff::Timestamp;

/// A sandbox resource `i-{id}` on `schedule`, tagged with its `owner`, first seen `at`.
pub async fn seen(
    store: &Store,
    id: &str,
    schedule: &str,
    owner: &str,
    instance_type: &str,
    at: Timestamp,
) -> String {
    let key = format!("sandbox:000000000000:local:i-{id}");
    let item = InventoryItem {
        resource: key.clone(),
        provider: "sandbox".into(),
        kind: "ec2".into(),
        account: "000000000000".into(),
        region: "local".into(),
        cloud_id: format!("i-{id}"),
        state: "stopped".into(),
        instance_type: Some(instance_type.into()),
        tags: [
            ("Schedule".to_owned(), schedule.to_owned()),
            ("Owner".to_owned(), owner.to_owned()),
        ]
        .into(),
        schedule: Some(schedule.into()),
        schedule_source: None,
        unschedulable: None,
        desired: None,
        reason: None,
        first_seen: at,
        last_seen: at,
    };
    store
        .update_inventory(&InventoryUpdate {
            at: Some(at),
            targets: vec![],
            items: vec![item],
        })
        .await
        .expect("inventory");
    key
}

/// Running intervals of `resource`, each opened and closed by a pass at its instants.
pub async fn ran(store: &Store, resource: &str, runs: &[(Timestamp, Timestamp)]) {
    for &(from, to) in runs {
        for (at, starts) in [(from, true), (to, false)] {
            let key = vec![resource.to_owned()];
            let pass = PassRecord {
                at,
                started_running: if starts { key.clone() } else { vec![] },
                stopped_running: if starts { vec![] } else { key },
                ..PassRecord::default()
            };
            store.record_pass(&pass).await.expect("pass");
        }
    }
}

/// Office hours (09:00–17:00) in `offset` on the given days of March 2026.
pub fn office_days(days: &[&str], offset: &str) -> Vec<(Timestamp, Timestamp)> {
    let at = |d: &str, h: &str| -> Timestamp {
        format!("2026-03-{d}T{h}:00:00{offset}")
            .parse()
            .expect("instant")
    };
    days.iter().map(|d| (at(d, "09"), at(d, "17"))).collect()
}
