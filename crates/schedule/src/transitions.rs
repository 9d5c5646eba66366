//! The exact instants at which a schedule's answer changes.
//!
//! The answer is a function of the effective wall clock (see [`crate::eval`]), which only
//! changes value at the schedule's daily breakpoints. So the next transition is found by
//! walking breakpoints on the wall clock, and mapping the first one whose answer differs to
//! the first instant the effective clock reaches it. No polling, no step size to miss by.

use crate::eval::WallClock;
use crate::schedule::Schedule;
use crate::state::{DesiredOwned, State};
use jiff::civil::DateTime;
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};

/// How far ahead to look: a period on February 29th can be eight years from the next.
const HORIZON_DAYS: u32 = 8 * 366 + 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub at: Timestamp,
    pub state: State,
    pub instance_type: Option<String>,
}

impl Schedule {
    /// The first instant strictly after `after` at which the state or instance type differs
    /// from the one at `after`, and the new answer. `None` if it never changes.
    pub fn next_transition(&self, after: Timestamp) -> Option<Transition> {
        if self.override_status.is_some() {
            return None;
        }
        let current = self.state_at(after);
        let start = self.wall_clock(after);
        let mut date = start.date;
        for _ in 0..HORIZON_DAYS {
            for &tod in self.breakpoints_on(date).iter() {
                let wall = WallClock { date, tod };
                if wall <= start || self.state_on_wall_clock(wall) == current {
                    continue;
                }
                // The wall clock says it changes here; confirm on the instant the clock gets
                // here (inside a gap the answer is the one at the gap's end, which may not differ).
                let Some(at) = self.first_instant_reaching(wall) else {
                    continue;
                };
                if at <= after {
                    continue;
                }
                let desired = self.state_at(at);
                if desired != current {
                    return Some(Transition {
                        at,
                        state: desired.state,
                        instance_type: desired.instance_type.map(str::to_owned),
                    });
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// Every transition in `(from, to]`, in order.
    pub fn transitions(&self, from: Timestamp, to: Timestamp) -> Transitions<'_> {
        Transitions {
            schedule: self,
            cursor: from,
            to,
        }
    }

    /// The first instant at which the effective wall clock reads `wall` or later.
    fn first_instant_reaching(&self, wall: WallClock) -> Option<Timestamp> {
        let time = crate::TimeOfDay::from_seconds(wall.tod)?.to_civil();
        let civil = DateTime::from_parts(wall.date, time);
        match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(civil).ok(),
            // A repeated wall-clock time: its first occurrence.
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(civil).ok(),
            // A skipped wall-clock time: the instant the clocks jumped. Read with the old
            // offset, the time lands just after that jump, so the jump precedes it.
            AmbiguousOffset::Gap { before, .. } => {
                let past_jump = before.to_timestamp(civil).ok()?;
                let probe = past_jump.checked_add(SignedDuration::from_nanos(1)).ok()?;
                self.tz.preceding(probe).next().map(|t| t.timestamp())
            }
        }
    }
}

/// Iterator over transitions in a range; see [`Schedule::transitions`].
pub struct Transitions<'a> {
    schedule: &'a Schedule,
    cursor: Timestamp,
    to: Timestamp,
}

impl Iterator for Transitions<'_> {
    type Item = Transition;

    fn next(&mut self) -> Option<Transition> {
        let t = self.schedule.next_transition(self.cursor)?;
        if t.at > self.to {
            return None;
        }
        self.cursor = t.at;
        Some(t)
    }
}

impl Transition {
    pub fn desired(&self) -> DesiredOwned {
        DesiredOwned {
            state: self.state,
            instance_type: self.instance_type.clone(),
        }
    }
}
