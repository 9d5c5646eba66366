//! A usage report: sums per key over whole local days. Days already rolled up in the
//! report's zone are summed by the database (whole months from month rows); the rest are
//! computed from the running records.

use super::UsageSettings;
use super::day::{self, DayRange};
use super::subjects::subjects_between;
use crate::definitions::{DefinitionError, Definitions};
use futures_util::TryFutureExt;
use isched_store::usage_rollups::{GroupBy, Rollup, UsageSums};
use isched_store::{Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// The longest range a report may cover, in days (ten years).
pub const MAX_DAYS: i32 = 3660;

#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub first: Date,
    pub last: Date,
    pub zone: TimeZone,
    pub group_by: GroupBy,
    /// Only this owner's resources (an email), as users see their own.
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub key: String,
    pub sums: UsageSums,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub first: Date,
    pub last: Date,
    pub zone: String,
    pub currency: String,
    pub group_by: GroupBy,
    /// By key.
    pub rows: Vec<ReportRow>,
    pub total: UsageSums,
}

#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Definitions(#[from] DefinitionError),
    /// The request itself is wrong; names the field.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

pub async fn report(
    store: &Store,
    settings: &UsageSettings,
    req: &ReportRequest,
    now: Timestamp,
) -> Result<Report, UsageError> {
    if req.last < req.first {
        return Err(UsageError::Invalid {
            field: "to",
            message: format!("{} is before from ({})", req.last, req.first),
        });
    }
    if (req.last - req.first).get_days() >= MAX_DAYS {
        return Err(UsageError::Invalid {
            field: "to",
            message: format!("a report covers at most {MAX_DAYS} days"),
        });
    }
    let zone = req.zone.iana_name().unwrap_or("UTC").to_owned();
    // The days already rolled up end where the rollup stands; the rest are computed live.
    let rolled_through = if zone == settings.zone_name() {
        store
            .usage_rolled_through(&zone)
            .await?
            .and_then(|t| t.parse::<Date>().ok())
            .filter(|t| *t >= req.first)
            .map(|t| t.min(req.last))
    } else {
        None
    };
    let live_from = match rolled_through {
        Some(last) => last.tomorrow().ok().filter(|d| *d <= req.last),
        None => Some(req.first),
    };
    // The two parts read different tables; asked at once, the page waits for the slower
    // only (issue G: the usage page within 50 ms at 10,000 resources).
    let (rolled, live) = futures_util::try_join!(
        rolled_sums(store, req, &zone, rolled_through),
        live_rows(store, settings, req, live_from, now),
    )?;
    let mut sums: BTreeMap<String, UsageSums> = BTreeMap::new();
    for (key, s) in rolled.into_iter().chain(live) {
        sums.entry(key).or_default().add(&s);
    }
    let mut total = UsageSums::default();
    sums.values().for_each(|s| total.add(s));
    if req.group_by == GroupBy::Group {
        sums = by_group(store, sums).await?;
    }
    let rows = sums
        .into_iter()
        .map(|(key, sums)| ReportRow { key, sums })
        .collect();
    Ok(Report {
        first: req.first,
        last: req.last,
        zone,
        currency: settings.prices.currency().to_owned(),
        group_by: req.group_by,
        rows,
        total,
    })
}

/// The sums of `req.first..=through` from the rollups, per key.
async fn rolled_sums(
    store: &Store,
    req: &ReportRequest,
    zone: &str,
    through: Option<Date>,
) -> Result<Vec<(String, UsageSums)>, UsageError> {
    let mut out = Vec::new();
    let Some(last) = through else {
        return Ok(out);
    };
    for (from, a, b) in rolled_parts(req.first, last, req.group_by) {
        out.extend(
            store
                .usage_sums(from, req.group_by, zone, &a, &b, req.owner.as_deref())
                .await?,
        );
    }
    Ok(out)
}

/// The sums of `first..=req.last` (up to `now`) from the running records, per key.
async fn live_rows(
    store: &Store,
    settings: &UsageSettings,
    req: &ReportRequest,
    first: Option<Date>,
    now: Timestamp,
) -> Result<Vec<(String, UsageSums)>, UsageError> {
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let range = DayRange {
        zone: req.zone.clone(),
        first,
        last: req.last,
    };
    if range.start() >= now {
        return Ok(Vec::new());
    }
    // Rows per resource only when the report is per resource.
    let per_resource = req.group_by == GroupBy::Resource;
    let definitions = Definitions::new(store.clone());
    let (catalog, subjects) = futures_util::try_join!(
        definitions.catalog().map_err(UsageError::from),
        subjects_between(
            store,
            settings,
            range.start(),
            range.end().min(now),
            per_resource,
        )
        .map_err(UsageError::from),
    )?;
    let owner = req.owner.as_deref();
    Ok(day::rows(&subjects, &range, now, &catalog)
        .into_iter()
        .filter(|row| owner.is_none_or(|o| o == row.owner))
        .map(|row| (req.group_by.key_of(&row).to_owned(), row.sums))
        .collect())
}

/// Owners' sums spread over their groups: an owner in two groups counts in both (so the
/// rows may add up to more than the total); owners who are not users, or in no group, are
/// under `(none)`.
async fn by_group(
    store: &Store,
    by_owner: BTreeMap<String, UsageSums>,
) -> Result<BTreeMap<String, UsageSums>, UsageError> {
    let groups: std::collections::HashMap<String, Vec<String>> = store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.email.as_str().to_owned(), u.roles))
        .collect();
    let mut out: BTreeMap<String, UsageSums> = BTreeMap::new();
    for (owner, s) in by_owner {
        match groups.get(&owner).filter(|g| !g.is_empty()) {
            Some(gs) => gs
                .iter()
                .for_each(|g| out.entry(g.clone()).or_default().add(&s)),
            None => out.entry(day::NONE.to_owned()).or_default().add(&s),
        }
    }
    Ok(out)
}

/// `first..=last` as runs of days and whole months (month rows hold no days, so never
/// when grouping by day): (table, first period, last period).
fn rolled_parts(first: Date, last: Date, group: GroupBy) -> Vec<(Rollup, String, String)> {
    let mut parts = Vec::new();
    let mut days_from = first;
    let mut day = first;
    while day <= last {
        let month_end = day.last_of_month();
        if group != GroupBy::Day && day == day.first_of_month() && month_end <= last {
            if days_from < day {
                parts.push((
                    Rollup::Days,
                    days_from.to_string(),
                    day.yesterday().unwrap_or(day).to_string(),
                ));
            }
            match parts.last_mut() {
                // Consecutive months are one query.
                Some((Rollup::Months, _, to)) if days_from == day => *to = month_of(day),
                _ => parts.push((Rollup::Months, month_of(day), month_of(day))),
            }
            days_from = match month_end.tomorrow() {
                Ok(d) => d,
                Err(_) => return parts,
            };
            day = days_from;
            continue;
        }
        day = match month_end.tomorrow() {
            Ok(d) if d <= last => d,
            _ => break,
        };
    }
    if days_from <= last {
        parts.push((Rollup::Days, days_from.to_string(), last.to_string()));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    fn parts(a: &str, b: &str, g: GroupBy) -> Vec<(Rollup, String, String)> {
        rolled_parts(d(a), d(b), g)
    }

    #[test]
    fn whole_months_come_from_month_rows() {
        use Rollup::*;
        let s = |x: &str| x.to_owned();
        assert_eq!(
            parts("2026-01-15", "2026-04-10", GroupBy::Schedule),
            vec![
                (Days, s("2026-01-15"), s("2026-01-31")),
                (Months, s("2026-02"), s("2026-03")),
                (Days, s("2026-04-01"), s("2026-04-10")),
            ]
        );
        assert_eq!(
            parts("2026-02-01", "2026-02-28", GroupBy::Owner),
            vec![(Months, s("2026-02"), s("2026-02"))]
        );
        assert_eq!(
            parts("2026-02-01", "2026-02-28", GroupBy::Day),
            vec![(Days, s("2026-02-01"), s("2026-02-28"))]
        );
        assert_eq!(
            parts("2026-02-03", "2026-02-05", GroupBy::Owner),
            vec![(Days, s("2026-02-03"), s("2026-02-05"))]
        );
    }
}
