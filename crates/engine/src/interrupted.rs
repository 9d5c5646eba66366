//! Actions that survive the scheduler being killed. A pass records its history after its
//! cloud calls, in one transaction; killed in between (SIGKILL, OOM, a node lost), the
//! cloud has acted and nothing says so. So a pass first writes each action it is about to
//! make as a history entry `in progress`, and its record replaces those entries with their
//! outcomes. The next pass finds what a killed pass left in progress and settles it from
//! what it sees: an instance already in the state the action was for is recorded as done
//! (at the instant it was done), any other as failed, and the schedule acts on it again
//! as on any failed action. So the history misses no transition and shows none twice.

use crate::decide::Action;
use crate::plan::Planned;
use isched_cloud::{Resource, ResourceState};
use isched_store::scheduling::{HistoryEntry, IN_PROGRESS};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;

/// Left in progress this long by a resource the pass does not see (gone, or on a target
/// that no replica schedules any more), an action is settled as failed. Far longer than
/// any pass, so that another replica's pass still in flight is never settled.
const GIVE_UP_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// The entries of the actions a pass is about to make.
pub fn intents(planned: &[Planned], at: Timestamp) -> Vec<HistoryEntry> {
    planned
        .iter()
        .filter(|p| p.decision.action != Action::None)
        .map(|p| HistoryEntry {
            at,
            resource: p.key.clone(),
            schedule: Some(p.schedule.clone()),
            action: p.decision.action.as_str().into(),
            outcome: IN_PROGRESS.into(),
            reason: p.decision.reason.clone(),
        })
        .collect()
}

/// What to record of the actions `left` in progress by an interrupted pass, judged by the
/// resources this pass found (`planned`, before it acts) at `now`. Entries of resources
/// this pass does not see stay as they are until [`GIVE_UP_AFTER`].
pub fn settle(left: Vec<HistoryEntry>, planned: &[Planned], now: Timestamp) -> Vec<HistoryEntry> {
    let seen: HashMap<&str, &Resource> = planned
        .iter()
        .map(|p| (p.key.as_str(), &p.resource))
        .collect();
    left.into_iter()
        .filter_map(|mut e| {
            let (outcome, reason) = match seen.get(e.resource.as_str()) {
                Some(r) if reached(&e.action, r) => (
                    "ok".to_owned(),
                    format!(
                        "{} (the pass that acted was interrupted; the next pass found it {})",
                        e.reason,
                        r.state.as_str()
                    ),
                ),
                Some(r) => (
                    "failed: interrupted before the cloud answered".to_owned(),
                    format!(
                        "{} (the pass was interrupted; the next pass found it {} and the schedule decides again)",
                        e.reason,
                        r.state.as_str()
                    ),
                ),
                None if now.duration_since(e.at) > GIVE_UP_AFTER => (
                    "failed: interrupted before the cloud answered".to_owned(),
                    format!("{} (the pass was interrupted; not seen since)", e.reason),
                ),
                None => return None,
            };
            e.outcome = outcome;
            e.reason = reason;
            Some(e)
        })
        .collect()
}

/// Whether `resource` is where `action` (as the history names it) takes a resource.
fn reached(action: &str, resource: &Resource) -> bool {
    match action {
        "stop" => matches!(
            resource.state,
            ResourceState::Stopping | ResourceState::Stopped
        ),
        "start" | "resize" => matches!(
            resource.state,
            ResourceState::Pending | ResourceState::Running
        ),
        _ => false,
    }
}
