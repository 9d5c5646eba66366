//! Gathers, from the store, every resource that existed or ran in a range, with its runs:
//! instances isched created from their usage events, all others from the scheduler's
//! running intervals and the inventory.

use super::UsageSettings;
use super::day::{NONE, Run, Subject};
use crate::instances::{TAG_OWNER, TAG_TEMPLATE};
use isched_store::usage::StoredUsageEvent;
use isched_store::usage_inventory::UsageInventoryRow;
use isched_store::{Store, StoreError};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The subjects of `[start, end)`.
pub async fn subjects_between(
    store: &Store,
    settings: &UsageSettings,
    start: Timestamp,
    end: Timestamp,
) -> Result<Vec<Subject>, StoreError> {
    let emails: HashMap<String, String> = store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.email.as_str().to_owned()))
        .collect();
    let mut events: BTreeMap<String, Vec<StoredUsageEvent>> = BTreeMap::new();
    for e in store.usage_events_between(start, end).await? {
        events.entry(e.instance.clone()).or_default().push(e);
    }
    let mut subjects = Vec::new();
    let mut instance_keys = HashSet::new();
    for i in store.instances_alive_between(start, end).await? {
        let resource = i
            .resource
            .clone()
            .unwrap_or_else(|| format!("instance:{}", i.id));
        instance_keys.insert(resource.clone());
        let events = events.remove(&i.id).unwrap_or_default();
        let idle_price = events
            .last()
            .and_then(|e| e.hourly_price)
            .or(i.hourly_price)
            .unwrap_or(0.0);
        subjects.push(Subject {
            resource,
            owner: emails.get(&i.owner).cloned().unwrap_or(i.owner),
            template: i.template,
            schedule: named(Some(i.schedule)),
            exists_from: i.created_at,
            exists_to: i.terminated_at,
            runs: runs_of_events(&events),
            idle_price,
        });
    }

    // The tags usage reads: owner (isched's, then the configured one) and template.
    let inventory: HashMap<String, UsageInventoryRow> = store
        .inventory_for_usage([TAG_OWNER, &settings.owner_tag, TAG_TEMPLATE])
        .await?
        .into_iter()
        .map(|i| (i.resource.clone(), i))
        .collect();
    let mut spans: BTreeMap<String, Vec<(Timestamp, Option<Timestamp>)>> = BTreeMap::new();
    for (resource, i) in store.running_spans_between(start, end).await? {
        if !instance_keys.contains(&resource) {
            spans
                .entry(resource)
                .or_default()
                .push((i.started_at, i.ended_at));
        }
    }
    // Scheduled resources that never ran in the range count too: all they saved.
    for (key, item) in &inventory {
        if item.schedule.is_some() && !instance_keys.contains(key) {
            spans.entry(key.clone()).or_default();
        }
    }
    for (resource, spans) in spans {
        let item = inventory.get(&resource);
        let price = item
            .and_then(|i| {
                let t = i.instance_type.as_deref()?;
                settings.prices.hourly(&i.provider, &i.region, t)
            })
            .unwrap_or(0.0);
        let exists_from = item
            .map(|i| i.first_seen)
            .into_iter()
            .chain(spans.first().map(|s| s.0))
            .min()
            .unwrap_or(start);
        // Gone from the inventory: it existed until its last run ended.
        let exists_to = match item {
            Some(_) => None,
            None => spans.last().and_then(|s| s.1),
        };
        let tag = |i: usize| item.and_then(|item| item.tags[i].clone());
        subjects.push(Subject {
            owner: tag(0).or_else(|| tag(1)).unwrap_or_else(|| NONE.into()),
            template: tag(2).unwrap_or_else(|| NONE.into()),
            schedule: named(item.and_then(|i| i.schedule.clone())),
            exists_from,
            exists_to,
            runs: spans
                .iter()
                .map(|&(start, end)| Run {
                    start,
                    end,
                    hourly_price: price,
                })
                .collect(),
            idle_price: price,
            resource,
        });
    }
    Ok(subjects)
}

fn named(name: Option<String>) -> String {
    name.filter(|n| !n.is_empty())
        .unwrap_or_else(|| NONE.into())
}

/// An instance's runs from its events: created, started and resized (re)open a run at the
/// price then in force; stopped and terminated close it.
fn runs_of_events(events: &[StoredUsageEvent]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for e in events {
        if let Some(open) = runs.last_mut().filter(|r| r.end.is_none()) {
            open.end = Some(e.at);
        }
        if matches!(e.event.as_str(), "created" | "started" | "resized") {
            runs.push(Run {
                start: e.at,
                end: None,
                hourly_price: e.hourly_price.unwrap_or(0.0),
            });
        }
    }
    runs
}
