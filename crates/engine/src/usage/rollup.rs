//! Rolls complete days up into `usage_days` (and complete months into `usage_months`),
//! oldest first, from where the last rollup stopped. Any replica may run it: a day rolled
//! up twice keeps its first rows, and the mark only moves forward.

use super::UsageSettings;
use super::day::{self, DayRange};
use super::report::UsageError;
use super::subjects::subjects_between;
use crate::definitions::Definitions;
use isched_store::Store;
use isched_store::usage_rollups::UsageRow;
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// Days computed from one read of the running records.
const DAYS_PER_BATCH: i32 = 31;

/// Rolls up at most `max_days` complete days; returns how many it did.
pub async fn roll_up(
    store: &Store,
    settings: &UsageSettings,
    now: Timestamp,
    max_days: i32,
) -> Result<i32, UsageError> {
    let zone = settings.zone_name().to_owned();
    let today = now.to_zoned_datetime(settings.zone.clone()).date();
    let Ok(last_complete) = today.yesterday() else {
        return Ok(0);
    };
    let next = match store.usage_rolled_through(&zone).await? {
        Some(through) => match through.parse::<Date>().ok().and_then(|d| d.tomorrow().ok()) {
            Some(d) => d,
            None => return Ok(0),
        },
        None => match store.usage_first_at().await? {
            Some(first) => first.to_zoned_datetime(settings.zone.clone()).date(),
            None => return Ok(0),
        },
    };
    if next > last_complete {
        return Ok(0);
    }
    let catalog = Definitions::new(store.clone()).catalog().await?;
    let mut first = next;
    let mut done = 0;
    while first <= last_complete && done < max_days {
        let span = DAYS_PER_BATCH.min(max_days - done) - 1;
        let last = first
            .checked_add(jiff::Span::new().days(span))
            .unwrap_or(last_complete)
            .min(last_complete);
        let range = DayRange {
            zone: settings.zone.clone(),
            first,
            last,
        };
        let subjects = subjects_between(store, settings, range.start(), range.end(), true).await?;
        let mut by_day: BTreeMap<String, Vec<UsageRow>> = BTreeMap::new();
        for row in day::rows(&subjects, &range, now, &catalog) {
            by_day.entry(row.period.clone()).or_default().push(row);
        }
        for (d, _, _) in range.days() {
            let key = d.to_string();
            let rows = by_day.remove(&key).unwrap_or_default();
            store.save_usage_day(&zone, &key, &rows).await?;
            if d == d.last_of_month() {
                store
                    .save_usage_month(&zone, &format!("{:04}-{:02}", d.year(), d.month()))
                    .await?;
            }
            done += 1;
        }
        match last.tomorrow() {
            Ok(d) => first = d,
            Err(_) => break,
        }
    }
    if done > 0 {
        tracing::debug!(days = done, zone = %zone, "usage rolled up");
    }
    Ok(done)
}
