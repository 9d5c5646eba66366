//! Evaluation: what a schedule says at an instant.
//!
//! Everything is read on the *effective wall clock* of the schedule's zone: the local wall
//! clock, except that during the second pass of a fall-back (the repeated hour) it stays
//! at the last second of the first pass. That clock never runs backwards — a spring-forward
//! gap jumps it, a fall-back pauses it — so every boundary fires exactly once: one inside a
//! gap at the first instant after it, one inside a repeated hour at its first occurrence.

use crate::schedule::{OverrideStatus, Schedule};
use crate::state::{Desired, State};
use crate::time_of_day::SECONDS_PER_DAY;
use jiff::civil::Date;
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};

/// A reading of the effective wall clock: a local date and a second of that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WallClock {
    pub date: Date,
    pub tod: u32,
}

impl WallClock {
    fn from_civil(dt: jiff::civil::DateTime) -> WallClock {
        WallClock {
            date: dt.date(),
            tod: dt.hour() as u32 * 3600 + dt.minute() as u32 * 60 + dt.second() as u32,
        }
    }

    /// The same wall clock moved by `delta` seconds (less than a day either way).
    fn shifted(self, delta: i32) -> Option<WallClock> {
        let t = self.tod as i64 + delta as i64;
        if t < 0 {
            Some(WallClock {
                date: self.date.yesterday().ok()?,
                tod: (t + SECONDS_PER_DAY as i64) as u32,
            })
        } else if t >= SECONDS_PER_DAY as i64 {
            Some(WallClock {
                date: self.date.tomorrow().ok()?,
                tod: (t - SECONDS_PER_DAY as i64) as u32,
            })
        } else {
            Some(WallClock {
                date: self.date,
                tod: t as u32,
            })
        }
    }
}

impl Schedule {
    /// The state (and instance type) this schedule asks for at `at`.
    pub fn state_at(&self, at: Timestamp) -> Desired<'_> {
        if let Some(o) = self.override_status {
            return overridden(o);
        }
        self.state_on_wall_clock(self.wall_clock(at))
    }

    /// The effective wall clock at `at` (see the module docs).
    pub(crate) fn wall_clock(&self, at: Timestamp) -> WallClock {
        let offset = self.tz.to_offset(at);
        let civil = offset.to_datetime(at);
        if let AmbiguousOffset::Fold { before, after } =
            self.tz.to_ambiguous_timestamp(civil).offset()
            && offset == after
            && before != after
            && let Some(fold_start) = at
                .checked_add(SignedDuration::from_nanos(1))
                .ok()
                .and_then(|t| self.tz.preceding(t).next())
        {
            // Second pass of a repeated hour: hold the clock one second before it went back.
            let end_of_first_pass = fold_start.timestamp() - SignedDuration::from_secs(1);
            return WallClock::from_civil(self.tz.to_datetime(end_of_first_pass));
        }
        WallClock::from_civil(civil)
    }

    /// Evaluation on the wall clock: `override_status`, then dated exceptions, then
    /// calendar days, then the periods.
    pub(crate) fn state_on_wall_clock(&self, wall: WallClock) -> Desired<'_> {
        if let Some(o) = self.override_status {
            return overridden(o);
        }
        if let Some(e) = self
            .exceptions
            .iter()
            .find(|e| e.first <= wall.date && wall.date <= e.last)
        {
            return Desired {
                state: e.state,
                instance_type: None,
            };
        }
        if self.calendars.iter().any(|c| c.contains(wall.date)) {
            return Desired {
                state: self.calendar_days,
                instance_type: None,
            };
        }
        self.periods_with_bridge(wall)
    }

    /// Upstream's adjacent-period bridge: a schedule of two or more periods that is stopped
    /// now but running a minute before and a minute after stays running, with the type of
    /// the period running a minute later.
    fn periods_with_bridge(&self, wall: WallClock) -> Desired<'_> {
        let now = self.periods_on_wall_clock(wall);
        if now.state != State::Stopped || self.entries.len() < 2 {
            return now;
        }
        let (Some(before), Some(after)) = (wall.shifted(-60), wall.shifted(60)) else {
            return now;
        };
        if self.periods_on_wall_clock(before).state == State::Running {
            let next = self.periods_on_wall_clock(after);
            if next.state == State::Running {
                return next;
            }
        }
        now
    }

    /// Running if any period runs (type from the one that began latest; ties keep the first
    /// listed), else any if some period says any, else stopped.
    fn periods_on_wall_clock(&self, wall: WallClock) -> Desired<'_> {
        let mut any = false;
        let mut best: Option<(usize, Option<i64>)> = None;
        for (i, entry) in self.entries.iter().enumerate() {
            let (state, rank) = entry.period.state_on(wall.date, wall.tod);
            match state {
                State::Running => match best {
                    Some((_, best_rank)) if rank <= best_rank => {}
                    _ => best = Some((i, rank)),
                },
                State::Any => any = true,
                State::Stopped => {}
            }
        }
        match best {
            Some((i, _)) => Desired {
                state: State::Running,
                instance_type: self.entries[i].instance_type.as_deref(),
            },
            None if any => Desired {
                state: State::Any,
                instance_type: None,
            },
            None => Desired {
                state: State::Stopped,
                instance_type: None,
            },
        }
    }
}

fn overridden<'a>(o: OverrideStatus) -> Desired<'a> {
    let state = match o {
        OverrideStatus::Running => State::Running,
        OverrideStatus::Stopped => State::Stopped,
    };
    Desired {
        state,
        instance_type: None,
    }
}
