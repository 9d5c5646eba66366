//! What an owner wants to know at a glance about each instance: when it stops next (its
//! schedule, an override, or the end of its life, whichever comes first) and what it has
//! cost so far (its usage events' running intervals × their prices).

use super::Engine;
use crate::plan::{EngineError, stored_override};
use isched_schedule::State;
use isched_store::instances::{Instance, Lifecycle};
use isched_store::usage::StoredUsageEvent;
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outlook {
    /// While it runs: the next instant it stops.
    pub next_stop: Option<Timestamp>,
    /// Money spent on it so far (in the prices' currency).
    pub cost_so_far: f64,
}

/// How many transitions are looked through for the next stop (a schedule alternates, so
/// the second is a stop when the first is not).
const LOOK_AHEAD: usize = 4;

/// Price × hours of each running interval the events describe, up to `now`.
pub fn cost_of(events: &[StoredUsageEvent], now: Timestamp) -> f64 {
    let mut cost = 0.0;
    let mut running: Option<(Timestamp, Option<f64>)> = None;
    let hours = |from: Timestamp, to: Timestamp| {
        to.duration_since(from).as_secs_f64() / SignedDuration::from_hours(1).as_secs_f64()
    };
    for e in events {
        if let Some((from, price)) = running.take() {
            cost += price.unwrap_or(0.0) * hours(from, e.at);
        }
        if matches!(e.event.as_str(), "created" | "started" | "resized") {
            running = Some((e.at, e.hourly_price));
        }
    }
    if let Some((from, price)) = running {
        cost += price.unwrap_or(0.0) * hours(from, now.max(from));
    }
    cost
}

impl Engine {
    /// The outlook of each instance, in order.
    pub async fn outlooks(&self, instances: &[Instance]) -> Result<Vec<Outlook>, EngineError> {
        let now = self.now();
        let catalog = self.definitions().catalog().await?;
        let overrides = self.inner.store.overrides().await?;
        let ids: Vec<&str> = instances.iter().map(|i| i.id.as_str()).collect();
        let mut events = self.inner.store.usage_events_of_each(&ids).await?;
        let mut out = Vec::with_capacity(instances.len());
        for i in instances {
            let events = events.remove(&i.id).unwrap_or_default();
            let runs = i.lifecycle == Lifecycle::Active
                && matches!(i.cloud_state.as_deref(), Some("running" | "pending"));
            let next_stop = runs
                .then(|| {
                    let ov = i
                        .resource
                        .as_ref()
                        .and_then(|k| overrides.get(k))
                        .and_then(stored_override);
                    let schedule = catalog.schedule(&i.schedule)?;
                    let mut after = now;
                    for _ in 0..LOOK_AHEAD {
                        let t = schedule.next_transition_with(after, ov.as_ref())?;
                        if t.state == State::Stopped {
                            return Some(t.at);
                        }
                        after = t.at;
                    }
                    None
                })
                .flatten();
            let next_stop = match next_stop {
                Some(at) => Some(at.min(i.expires_at)),
                None if runs => Some(i.expires_at),
                None => None,
            };
            out.push(Outlook {
                next_stop,
                cost_so_far: cost_of(&events, now),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_h: i64, event: &str, price: f64) -> StoredUsageEvent {
        StoredUsageEvent {
            at: Timestamp::from_second(at_h * 3600).expect("instant"),
            instance: "i".into(),
            event: event.into(),
            instance_type: "t3.micro".into(),
            hourly_price: Some(price),
        }
    }

    #[test]
    fn costs_count_running_intervals_at_their_price() {
        let events = [
            event(0, "created", 1.0),
            event(2, "stopped", 1.0),
            event(5, "started", 1.0),
            event(6, "resized", 3.0),
        ];
        let now = Timestamp::from_second(8 * 3600).expect("instant");
        // 2 h at 1, 1 h at 1, 2 h at 3.
        assert!((cost_of(&events, now) - 9.0).abs() < 1e-9);
        assert_eq!(cost_of(&[], now), 0.0);
    }
}
