//! Usage, cost and savings. Each resource's running time comes from two records: the usage
//! events of instances isched created (exact, with the type and price in force, so a
//! resize mid-day is priced right) and, for every other resource, the running intervals
//! the scheduler opens and closes, priced from the [`Prices`] table by the inventory's
//! type. Days are cut in a zone (DST days are 23 or 25 hours long). Complete days are
//! rolled up per resource (and complete months summed), so that reports over a year read
//! a few rows per resource; newer days are computed when asked.

mod day;
mod prices;
mod record;
mod report;
mod rollup;
mod subjects;

pub use day::{DayRange, NONE, Run, Subject, hours};
pub use prices::{PriceError, Prices};
pub use record::record_scheduled;
pub use report::{Report, ReportRequest, ReportRow, UsageError, report};
pub use rollup::roll_up;
pub use subjects::subjects_between;

use jiff::tz::TimeZone;

/// How usage is counted: the zone days are cut in (and rolled up in), the prices of
/// resources isched did not create, and the tag naming their owner.
#[derive(Debug, Clone)]
pub struct UsageSettings {
    pub zone: TimeZone,
    pub prices: Prices,
    pub owner_tag: String,
}

impl UsageSettings {
    /// The zone's name as reports and rollups write it.
    pub fn zone_name(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }
}
