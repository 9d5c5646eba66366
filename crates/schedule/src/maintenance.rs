//! Maintenance windows, in which a schedule with `use_maintenance_window` keeps its
//! resources running, as AWS Instance Scheduler does: an RDS resource's preferred
//! maintenance window (`ddd:hh:mm-ddd:hh:mm`, UTC), and the SSM maintenance windows a
//! schedule names for EC2 instances (a `cron(...)` or `at(...)` schedule read in the
//! window's time zone, an offset in days, a duration in hours). A resource is started
//! [`LEAD`] before a window begins and is left to its schedule when the window ends.
//!
//! Computed from the window's definition rather than from SSM's `NextExecutionTime`, so
//! that a pass replayed at another instant (`--at`) sees the windows of that instant.

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// How long before a window begins its resources are started (upstream's margin).
pub const LEAD: SignedDuration = SignedDuration::from_mins(10);

/// A window in force at an instant: its name, and when it began (lead included) and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveWindow {
    pub name: String,
    pub begins: Timestamp,
    pub ends: Timestamp,
}

/// An SSM maintenance window as `DescribeMaintenanceWindows` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsmWindow {
    pub name: String,
    /// `cron(0 2 ? * SUN *)` or `at(2026-12-06T02:00:00)`.
    pub schedule: String,
    /// IANA zone of the schedule; UTC when absent.
    pub timezone: Option<String>,
    /// Days after each cron match that the window actually runs.
    pub offset_days: u32,
    pub duration_hours: u32,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEK: i64 = 7 * 86_400;

/// Seconds from Monday 00:00 UTC of `ddd:hh:mm`.
fn week_offset(text: &str) -> Option<i64> {
    let (day, hhmm) = text.trim().split_once(':')?;
    let day = WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(day))? as i64;
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(day * 86_400 + h * 3600 + m * 60)
}

/// The RDS preferred maintenance window `preferred` if it is in force at `at`.
pub fn rds_window_at(preferred: &str, at: Timestamp) -> Result<Option<ActiveWindow>, String> {
    let bad = || format!("{preferred:?} is not an RDS maintenance window (ddd:hh:mm-ddd:hh:mm)");
    let (from, to) = preferred.split_once('-').ok_or_else(bad)?;
    let start = week_offset(from).ok_or_else(bad)?;
    let mut end = week_offset(to).ok_or_else(bad)?;
    if end <= start {
        end += WEEK;
    }
    let utc = at.to_zoned_datetime(TimeZone::UTC);
    let monday = utc
        .date()
        .checked_sub(jiff::Span::new().days(utc.weekday().to_monday_zero_offset()))
        .map_err(|e| e.to_string())?;
    let week_start = monday
        .to_zoned_datetime(TimeZone::UTC)
        .map_err(|e| e.to_string())?
        .timestamp();
    // The occurrence that began last week may still run (a window across Sunday night).
    for weeks in [-1i64, 0, 1] {
        let begins = week_start + SignedDuration::from_secs(weeks * WEEK + start);
        let ends = week_start + SignedDuration::from_secs(weeks * WEEK + end);
        if begins - LEAD <= at && at < ends {
            return Ok(Some(ActiveWindow {
                name: format!("RDS preferred maintenance window {preferred}"),
                begins: begins - LEAD,
                ends,
            }));
        }
    }
    Ok(None)
}

fn naive(t: DateTime) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(t.year() as i32, t.month() as u32, t.day() as u32)?.and_hms_opt(
        t.hour() as u32,
        t.minute() as u32,
        t.second() as u32,
    )
}

fn civil(t: NaiveDateTime) -> Option<DateTime> {
    use chrono::Datelike;
    jiff::civil::DateTime::new(
        t.year().try_into().ok()?,
        t.month().try_into().ok()?,
        t.day().try_into().ok()?,
        t.hour().try_into().ok()?,
        t.minute().try_into().ok()?,
        t.second().try_into().ok()?,
        0,
    )
    .ok()
}

/// AWS's six-field cron (minute hour day-of-month month day-of-week year, 1-7 = SUN-SAT),
/// read as croner's seven-field form with a zero seconds field in front.
fn aws_cron(expression: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .build()
        .parse(&format!("0 {}", expression.trim()))
        .map_err(|e| format!("cron({expression}) is not an AWS cron expression: {e}"))
}

impl SsmWindow {
    /// The occurrence of this window in force at `at`, if any.
    pub fn at(&self, at: Timestamp) -> Result<Option<ActiveWindow>, String> {
        let tz = match self.timezone.as_deref().map(str::trim) {
            None | Some("") => TimeZone::UTC,
            Some(name) => TimeZone::get(name)
                .map_err(|_| format!("{name:?} is not a time zone (window {})", self.name))?,
        };
        let schedule = self.schedule.trim();
        let duration = SignedDuration::from_hours(self.duration_hours.into());
        let offset = SignedDuration::from_hours(24 * i64::from(self.offset_days));
        let wall = |t: Timestamp| naive(t.to_zoned_datetime(tz.clone()).datetime());
        let first = if let Some(expression) = strip(schedule, "cron") {
            // The earliest match whose window has not ended by `at`.
            let from = wall(at - offset - duration).ok_or("out of range")?;
            match aws_cron(expression)?.find_next_occurrence(&from, false) {
                Ok(t) => t,
                Err(_) => return Ok(None),
            }
        } else if let Some(when) = strip(schedule, "at") {
            NaiveDateTime::parse_from_str(when.trim(), "%Y-%m-%dT%H:%M:%S")
                .map_err(|e| format!("at({when}) is not a date and time: {e}"))?
        } else {
            return Err(format!(
                "window {}: only cron(...) and at(...) schedules are read, not {schedule:?}",
                self.name
            ));
        };
        let begins_wall = civil(first).ok_or("out of range")?;
        let begins = tz
            .to_ambiguous_timestamp(begins_wall)
            .compatible()
            .map_err(|e| e.to_string())?
            + offset;
        let ends = begins + duration;
        Ok((begins - LEAD <= at && at < ends).then(|| ActiveWindow {
            name: format!("SSM maintenance window {}", self.name),
            begins: begins - LEAD,
            ends,
        }))
    }
}

/// `inner` of `name(inner)`.
fn strip<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    #[test]
    fn an_rds_window_starts_ten_minutes_early_and_ends_on_time() {
        // Thursday 3 December 2026.
        let w = "thu:07:00-thu:08:00";
        assert_eq!(rds_window_at(w, t("2026-12-03T06:49:59Z")), Ok(None));
        let active = rds_window_at(w, t("2026-12-03T06:50:00Z"))
            .expect("valid")
            .expect("in force");
        assert_eq!(active.ends, t("2026-12-03T08:00:00Z"));
        assert_eq!(rds_window_at(w, t("2026-12-03T08:00:00Z")), Ok(None));
    }

    #[test]
    fn an_rds_window_across_sunday_night() {
        let w = "sun:23:30-mon:00:30";
        let active = rds_window_at(w, t("2026-12-07T00:15:00Z"))
            .expect("valid")
            .expect("Monday 00:15 is inside");
        assert_eq!(active.begins, t("2026-12-06T23:20:00Z"));
        assert_eq!(active.ends, t("2026-12-07T00:30:00Z"));
        assert!(rds_window_at("sun:25:00-mon:00:30", t("2026-12-07T00:15:00Z")).is_err());
    }

    fn ssm(schedule: &str, timezone: Option<&str>, offset_days: u32) -> SsmWindow {
        SsmWindow {
            name: "patching".into(),
            schedule: schedule.into(),
            timezone: timezone.map(str::to_owned),
            offset_days,
            duration_hours: 2,
        }
    }

    #[test]
    fn an_ssm_cron_window_in_its_zone() {
        // Thursdays 02:00-04:00 in New York (EST: 07:00Z-09:00Z on 3 December 2026).
        let w = ssm("cron(0 2 ? * THU *)", Some("America/New_York"), 0);
        assert_eq!(w.at(t("2026-12-03T06:49:00Z")), Ok(None));
        let active = w
            .at(t("2026-12-03T06:50:00Z"))
            .expect("valid")
            .expect("in force");
        assert_eq!(active.ends, t("2026-12-03T09:00:00Z"));
        assert_eq!(w.at(t("2026-12-03T09:00:00Z")), Ok(None));
        // AWS numbers weekdays from Sunday = 1: 5 is Thursday.
        let numbered = ssm("cron(0 2 ? * 5 *)", Some("America/New_York"), 0);
        assert!(
            numbered
                .at(t("2026-12-03T08:00:00Z"))
                .expect("valid")
                .is_some()
        );
    }

    #[test]
    fn an_offset_moves_the_window_days_later() {
        // The second Tuesday of the month (8 December 2026), plus two days: Thursday 10th.
        let w = ssm("cron(0 2 ? * TUE#2 *)", None, 2);
        assert_eq!(w.at(t("2026-12-08T02:30:00Z")), Ok(None));
        assert!(w.at(t("2026-12-10T02:30:00Z")).expect("valid").is_some());
    }

    #[test]
    fn one_time_and_unsupported_schedules() {
        let w = ssm("at(2026-12-05T22:00:00)", None, 0);
        assert!(w.at(t("2026-12-05T23:00:00Z")).expect("valid").is_some());
        assert_eq!(w.at(t("2026-12-06T00:00:00Z")), Ok(None));
        let e = ssm("rate(7 days)", None, 0)
            .at(t("2026-12-05T23:00:00Z"))
            .expect_err("refused");
        assert!(e.contains("rate(7 days)"), "{e}");
    }
}
