//! The day fields of a period. Each parses to a small bitmask set so that matching a date
//! is a few bit tests; all fields of a period must match (AND), as upstream does.

mod monthdays;
mod months;
mod terms;
mod weekdays;

pub use monthdays::MonthdaySet;
pub use months::MonthSet;
pub use weekdays::WeekdaySet;
