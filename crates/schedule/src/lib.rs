//! Schedules as AWS Instance Scheduler defines them, plus isched's extensions: parsing,
//! evaluation at an instant, and the exact instants of every transition.
//!
//! Pure: no IO, no async, no clock. Callers pass the instant in.

mod calendar;
mod catalog;
pub mod conformance;
mod cron;
mod error;
mod eval;
mod fields;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod maintenance;
mod overrides;
mod period;
mod schedule;
pub mod spec;
mod state;
mod time_of_day;
mod transitions;
mod usage;

pub use calendar::{Calendar, CalendarEntry, IcsReport};
pub use catalog::Catalog;
pub use error::{FieldError, ParseErrors};
pub use fields::{MonthSet, MonthdaySet, WeekdaySet};
pub use overrides::ResourceOverride;
pub use period::Period;
pub use schedule::{Exception, OverrideStatus, Schedule, ScheduleEntry, ScheduleFlags};
pub use state::{Desired, DesiredOwned, State};
pub use time_of_day::TimeOfDay;
pub use transitions::{Transition, Transitions};
pub use usage::Usage;
