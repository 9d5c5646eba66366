//! Per-resource overrides with an expiry ("keep running until 22:00", "stopped until
//! Monday"). The engine stores them; evaluation takes one as an input. An override beats
//! everything the schedule says until it expires, then the schedule takes over.

use crate::schedule::{OverrideStatus, Schedule};
use crate::state::{Desired, State};
use crate::transitions::Transition;
use jiff::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceOverride {
    pub state: OverrideStatus,
    /// Exclusive: from this instant on, the schedule decides again.
    pub until: Timestamp,
}

impl ResourceOverride {
    pub fn is_active(&self, at: Timestamp) -> bool {
        at < self.until
    }

    fn desired<'a>(&self) -> Desired<'a> {
        let state = match self.state {
            OverrideStatus::Running => State::Running,
            OverrideStatus::Stopped => State::Stopped,
        };
        Desired {
            state,
            instance_type: None,
        }
    }
}

impl Schedule {
    /// [`Schedule::state_at`] for a resource that may have an override.
    pub fn state_at_with(&self, at: Timestamp, ov: Option<&ResourceOverride>) -> Desired<'_> {
        match ov {
            Some(o) if o.is_active(at) => o.desired(),
            _ => self.state_at(at),
        }
    }

    /// [`Schedule::next_transition`] for a resource that may have an override: while it is
    /// active the next change is at its expiry, unless the schedule then says the same.
    pub fn next_transition_with(
        &self,
        after: Timestamp,
        ov: Option<&ResourceOverride>,
    ) -> Option<Transition> {
        let Some(o) = ov.filter(|o| o.is_active(after)) else {
            return self.next_transition(after);
        };
        let held = o.desired();
        let then = self.state_at(o.until);
        if then != held {
            return Some(Transition {
                at: o.until,
                state: then.state,
                instance_type: then.instance_type.map(str::to_owned),
            });
        }
        self.next_transition(o.until)
    }
}
