//! Gathers, from the store, every resource that existed or ran in a range, with its runs:
//! instances isched created from their usage events, all others from the scheduler's
//! running intervals and the inventory.

use super::UsageSettings;
use super::day::{NONE, Run, Subject};
use crate::instances::{TAG_OWNER, TAG_TEMPLATE};
use isched_store::usage::StoredUsageEvent;
use isched_store::{Store, StoreError};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The subjects of `[start, end)`: one per resource with `per_resource`; otherwise the
/// scheduled resources that did not run and count alike are one subject of that weight.
pub async fn subjects_between(
    store: &Store,
    settings: &UsageSettings,
    start: Timestamp,
    end: Timestamp,
    per_resource: bool,
) -> Result<Vec<Subject>, StoreError> {
    // Five reads of five tables, asked at once: the report waits for the slowest only.
    // The tags usage reads: owner (isched's, then the configured one) and template.
    let tags = [TAG_OWNER, settings.owner_tag.as_str(), TAG_TEMPLATE];
    let (users, usage_events, instances, intervals, groups) = futures_util::try_join!(
        store.list_users(),
        store.usage_events_between(start, end),
        store.instance_usage_between(start, end),
        store.shared_intervals_between(start, end),
        store.inventory_usage_groups(tags, start),
    )?;
    let emails: HashMap<String, String> = users
        .into_iter()
        .map(|u| (u.id, u.email.as_str().to_owned()))
        .collect();
    let mut events: BTreeMap<String, Vec<StoredUsageEvent>> = BTreeMap::new();
    for e in usage_events {
        events.entry(e.instance.clone()).or_default().push(e);
    }
    let mut subjects = Vec::new();
    let mut instance_keys = HashSet::new();
    for i in instances {
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
            weight: 1,
        });
    }

    // Each other resource's intervals, as their places in `intervals` (so by start).
    let mut ran: HashMap<&str, Vec<usize>> = HashMap::new();
    for (n, shared) in intervals.iter().enumerate() {
        for key in &shared.resources {
            if !instance_keys.contains(key) {
                ran.entry(key).or_default().push(n);
            }
        }
    }
    let spans = |places: &[usize]| -> Vec<(Timestamp, Option<Timestamp>)> {
        places
            .iter()
            .map(|&n| {
                (
                    intervals[n].interval.started_at,
                    intervals[n].interval.ended_at,
                )
            })
            .collect()
    };
    for g in &groups {
        let price = g
            .instance_type
            .as_deref()
            .and_then(|t| settings.prices.hourly(&g.provider, &g.region, t))
            .unwrap_or(0.0);
        let like = |resource: String, runs: &[(Timestamp, Option<Timestamp>)], weight: u32| {
            let tag = |i: usize| g.tags[i].clone();
            Subject {
                owner: tag(0).or_else(|| tag(1)).unwrap_or_else(|| NONE.into()),
                template: tag(2).unwrap_or_else(|| NONE.into()),
                schedule: named(g.schedule.clone()),
                exists_from: runs
                    .first()
                    .map_or(g.exists_from, |r| r.0.min(g.exists_from)),
                exists_to: None,
                runs: runs
                    .iter()
                    .map(|&(start, end)| Run {
                        start,
                        end,
                        hourly_price: price,
                    })
                    .collect(),
                idle_price: price,
                resource,
                weight,
            }
        };
        // Scheduled resources that never ran in the range count too (all they saved).
        // Unless each is asked for, those of the group that ran alike (a pass starts and
        // stops a whole fleet at one instant) or never ran count as one subject of that
        // weight: a day of 10,000 running resources is a few subjects, not 10,000.
        // Ordered, so that the sums are added in the same order on every report.
        let mut alike: BTreeMap<Vec<usize>, Vec<&String>> = BTreeMap::new();
        for key in &g.resources {
            if instance_keys.contains(key) {
                continue;
            }
            match ran.remove(key.as_str()) {
                Some(places) if per_resource => {
                    subjects.push(like(key.clone(), &spans(&places), 1))
                }
                Some(places) => alike.entry(places).or_default().push(key),
                None if g.schedule.is_some() && per_resource => {
                    subjects.push(like(key.clone(), &[], 1))
                }
                None if g.schedule.is_some() => alike.entry(Vec::new()).or_default().push(key),
                None => {}
            }
        }
        for (places, keys) in alike {
            let runs = spans(&places);
            subjects.push(match keys.as_slice() {
                [one] => like((*one).clone(), &runs, 1),
                _ => like(
                    format!("({} resources)", keys.len()),
                    &runs,
                    keys.len() as u32,
                ),
            });
        }
    }
    // Gone from the inventory: they existed until their last run ended. By key, so that
    // the sums are added in the same order on every report.
    let mut gone: Vec<(&str, Vec<usize>)> = ran.into_iter().collect();
    gone.sort_unstable();
    for (resource, places) in gone {
        let runs = spans(&places);
        subjects.push(Subject {
            owner: NONE.into(),
            template: NONE.into(),
            schedule: NONE.into(),
            exists_from: runs.first().map_or(start, |r| r.0),
            exists_to: runs.last().and_then(|r| r.1),
            runs: runs
                .iter()
                .map(|&(start, end)| Run {
                    start,
                    end,
                    hourly_price: 0.0,
                })
                .collect(),
            idle_price: 0.0,
            resource: resource.to_owned(),
            weight: 1,
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
