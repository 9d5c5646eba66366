//! Cron-style periods (our extension): a period that starts at each match of `start_cron`
//! and stops at each match of `stop_cron`, both read on the schedule's wall clock, so the
//! effective-clock rules (gap: first instant after it; fold: first occurrence) apply as to
//! every other boundary. Standard five-field cron (minute hour day-of-month month
//! day-of-week, 0 or 7 = Sunday); parsing and matching are croner's.

use crate::error::FieldError;
use crate::state::State;
use chrono::{NaiveDate, NaiveDateTime, Timelike};
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use jiff::civil::Date;

#[derive(Debug, Clone)]
pub(crate) struct CronRule {
    start: Cron,
    stop: Cron,
}

/// A cron expression must fire at least once in this many years after a fixed reference
/// date. One that never fires (`0 0 30 2 *`) would make every evaluation search back for
/// years, so it is refused here rather than slowing the engine later.
const MAX_GAP_YEARS: i32 = 8;

fn parse(field: &str, text: &str) -> Result<Cron, FieldError> {
    let cron = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .build()
        .parse(text.trim())
        .map_err(|e| FieldError::new(field, Some(text), format!("not a cron expression: {e}")))?;
    // 2024 is a leap year, so February 29th patterns are found from it.
    let reference = NaiveDate::from_ymd_opt(2024, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let limit =
        NaiveDate::from_ymd_opt(2024 + MAX_GAP_YEARS, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let fires = match (reference, limit) {
        (Some(r), Some(l)) => cron.find_next_occurrence(&r, true).is_ok_and(|t| t < l),
        _ => false,
    };
    if !fires {
        return Err(FieldError::new(
            field,
            Some(text),
            format!("never fires (or less than once in {MAX_GAP_YEARS} years)"),
        ));
    }
    Ok(cron)
}

/// Our dates and times on croner's wall-clock timeline (chrono's naive type, no zone).
fn naive(date: Date, tod: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(date.year() as i32, date.month() as u32, date.day() as u32)?
        .and_hms_opt(tod / 3600, (tod / 60) % 60, tod % 60)
}

impl CronRule {
    pub fn parse(start: &str, stop: &str) -> Result<CronRule, Vec<FieldError>> {
        match (parse("start_cron", start), parse("stop_cron", stop)) {
            (Ok(start), Ok(stop)) => Ok(CronRule { start, stop }),
            (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect()),
        }
    }

    /// Running if the latest start at or before now is later than the latest stop; a start
    /// and a stop in the same minute leave it stopped. The rank is the start's second of
    /// the day when it started today, else -1 (it started on an earlier day).
    pub fn state_on(&self, date: Date, tod: u32) -> (State, Option<i64>) {
        let Some(now) = naive(date, tod) else {
            return (State::Stopped, None);
        };
        let last_start = self.start.find_previous_occurrence(&now, true).ok();
        let last_stop = self.stop.find_previous_occurrence(&now, true).ok();
        match (last_start, last_stop) {
            (Some(s), stop) if stop.is_none_or(|t| s > t) => {
                let rank = if s.date() == now.date() {
                    s.num_seconds_from_midnight() as i64
                } else {
                    -1
                };
                (State::Running, Some(rank))
            }
            _ => (State::Stopped, None),
        }
    }

    /// Seconds of `date` at which either expression fires, sorted.
    pub fn events_on(&self, date: Date) -> Vec<u32> {
        let mut out = Vec::new();
        let Some(midnight) = naive(date, 0) else {
            return out;
        };
        for cron in [&self.start, &self.stop] {
            let mut cursor = midnight;
            let mut inclusive = true;
            // At most one match a minute.
            for _ in 0..1440 {
                match cron.find_next_occurrence(&cursor, inclusive) {
                    Ok(t) if t.date() == midnight.date() => {
                        out.push(t.num_seconds_from_midnight());
                        cursor = t;
                        inclusive = false;
                    }
                    _ => break,
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
