//! Setting and clearing expiring per-resource overrides ("keep running until T", "stopped
//! until T", "skip the next stop").

use crate::definitions::{DefinitionError, Definitions, invalid};
use crate::plan::EngineError;
use isched_schedule::State;
use isched_store::Store;
use isched_store::overrides::StoredOverride;
use jiff::{SignedDuration, Timestamp};

/// What to do to a resource's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideRequest {
    RunningUntil(Timestamp),
    StoppedUntil(Timestamp),
    /// Keep running through the next scheduled stop, until the schedule starts it again.
    SkipNextStop,
}

/// Stores the override for `key` (which follows `schedule`); returns it.
pub async fn set(
    store: &Store,
    key: &str,
    schedule: &str,
    request: &OverrideRequest,
    actor: &str,
    now: Timestamp,
) -> Result<StoredOverride, EngineError> {
    let (state, until) = match request {
        OverrideRequest::RunningUntil(t) => ("running", *t),
        OverrideRequest::StoppedUntil(t) => ("stopped", *t),
        OverrideRequest::SkipNextStop => {
            let catalog = Definitions::new(store.clone()).catalog().await?;
            let s = catalog
                .schedule(schedule)
                .ok_or_else(|| DefinitionError::NotFound("schedule", schedule.to_owned()))?;
            let horizon = now + SignedDuration::from_hours(24 * 400);
            let mut transitions = s
                .transitions(now, horizon)
                .skip_while(|t| t.state != State::Stopped);
            let restart = transitions
                .find(|t| t.state == State::Running)
                .map(|t| t.at);
            let until = restart.ok_or_else(|| {
                invalid(
                    "skip_next_stop",
                    format!(
                        "schedule {schedule:?} has no stop followed by a start in the next 400 days"
                    ),
                )
            })?;
            ("running", until)
        }
    };
    if until <= now {
        return Err(invalid("until", format!("{until} is not in the future")).into());
    }
    let o = StoredOverride {
        state: state.into(),
        until,
        created_by: actor.to_owned(),
    };
    store.set_override(key, &o, now).await?;
    store
        .append_history(&isched_store::scheduling::HistoryEntry {
            at: now,
            resource: key.to_owned(),
            schedule: Some(schedule.to_owned()),
            action: "none".into(),
            outcome: "override set".into(),
            reason: format!("{actor} set: {state} until {until}"),
        })
        .await?;
    Ok(o)
}
