//! Schedules as AWS Instance Scheduler defines them, plus isched's extensions: parsing,
//! evaluation at an instant, and the exact instants of every transition.
//!
//! Pure: no IO, no async, no clock. Callers pass the instant in.

mod catalog;
pub mod conformance;
mod error;
mod eval;
mod fields;
mod period;
mod schedule;
pub mod spec;
mod state;
mod time_of_day;
mod transitions;
mod usage;

pub use catalog::Catalog;
pub use error::{FieldError, ParseErrors};
pub use fields::{MonthSet, MonthdaySet, WeekdaySet};
pub use period::Period;
pub use schedule::{OverrideStatus, Schedule, ScheduleEntry, ScheduleFlags};
pub use state::{Desired, DesiredOwned, State};
pub use time_of_day::TimeOfDay;
pub use transitions::{Transition, Transitions};
pub use usage::Usage;
