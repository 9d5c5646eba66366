//! How long a schedule keeps a resource running over a range, and what that saves against
//! running all the time.

use crate::schedule::Schedule;
use crate::state::State;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Seconds the schedule asks for running.
    pub running_seconds: i64,
    pub stopped_seconds: i64,
    /// Seconds in which the schedule leaves the resource as it is (one-sided periods).
    pub any_seconds: i64,
}

impl Usage {
    pub fn total_seconds(&self) -> i64 {
        self.running_seconds + self.stopped_seconds + self.any_seconds
    }
}

impl Schedule {
    /// Seconds in each state over `[from, to)`, summed exactly from the transitions.
    pub fn usage(&self, from: Timestamp, to: Timestamp) -> Usage {
        let mut usage = Usage {
            running_seconds: 0,
            stopped_seconds: 0,
            any_seconds: 0,
        };
        if to <= from {
            return usage;
        }
        let mut add = |state: State, span: SignedDuration| {
            let secs = span.as_secs();
            match state {
                State::Running => usage.running_seconds += secs,
                State::Stopped => usage.stopped_seconds += secs,
                State::Any => usage.any_seconds += secs,
            }
        };
        let mut cursor = from;
        let mut state = self.state_at(from).state;
        for t in self.transitions(from, to) {
            if t.at >= to {
                break;
            }
            add(state, t.at.duration_since(cursor));
            cursor = t.at;
            state = t.state;
        }
        add(state, to.duration_since(cursor));
        usage
    }
}
