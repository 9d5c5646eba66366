//! Usage exported as Parquet for people's own tools (DuckDB, Athena, Spark): for each
//! complete day, partitioned Hive-style by date,
//!
//! - `usage_daily/date=YYYY-MM-DD/part-0.parquet`: the day's usage per resource, as rolled
//!   up (the rows `GET /api/v1/usage` sums);
//! - `usage_intervals/date=YYYY-MM-DD/part-0.parquet`: each running interval's part in the
//!   day, with its price and cost.
//!
//! to a directory or to `s3://BUCKET/PREFIX`. Days without usage write no files.

mod destination;
mod tables;

pub use destination::{Destination, DestinationError};

use isched_engine::usage::{DayRange, UsageSettings, subjects_between};
use isched_store::{Store, StoreError};
use jiff::civil::Date;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing Parquet: {0}")]
    Parquet(String),
    #[error(transparent)]
    Destination(#[from] DestinationError),
}

/// Days read from the running records at once.
const DAYS_PER_READ: i32 = 31;

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exported {
    pub days: u32,
    pub files: u32,
    pub rows: u64,
    pub bytes: u64,
}

/// Writes the days `first..=last` (only days already rolled up have daily rows).
pub async fn export_days(
    store: &Store,
    settings: &UsageSettings,
    to: &Destination,
    first: Date,
    last: Date,
) -> Result<Exported, ExportError> {
    let zone = settings.zone_name().to_owned();
    let currency = settings.prices.currency();
    let mut done = Exported::default();
    let mut batch_first = first;
    while batch_first <= last {
        let batch_last = batch_first
            .checked_add(jiff::Span::new().days(DAYS_PER_READ - 1))
            .map_or(last, |d| d.min(last));
        let range = DayRange {
            zone: settings.zone.clone(),
            first: batch_first,
            last: batch_last,
        };
        // One read of the running records for the whole batch, cut into days below.
        let subjects = subjects_between(store, settings, range.start(), range.end(), true).await?;
        for (day, start, end) in range.days() {
            let key = day.to_string();
            let daily = store.usage_days(&zone, &key, &key).await?;
            let intervals = tables::intervals_of(&subjects, start, end);
            let files = [
                (
                    "usage_daily",
                    daily.len(),
                    tables::daily(&daily, &zone, currency),
                ),
                (
                    "usage_intervals",
                    intervals.len(),
                    tables::intervals(&intervals, currency),
                ),
            ];
            for (table, rows, bytes) in files {
                if rows == 0 {
                    continue;
                }
                let bytes = bytes.map_err(|e| ExportError::Parquet(e.to_string()))?;
                done.bytes += bytes.len() as u64;
                done.rows += rows as u64;
                done.files += 1;
                to.put(&format!("{table}/date={key}/part-0.parquet"), bytes)
                    .await?;
            }
            done.days += 1;
        }
        match batch_last.tomorrow() {
            Ok(d) => batch_first = d,
            Err(_) => break,
        }
    }
    Ok(done)
}
