//! A period: when, within a day and across days, a schedule runs.

use crate::cron::CronRule;
use crate::error::FieldError;
use crate::fields::{MonthSet, MonthdaySet, WeekdaySet};
use crate::spec::PeriodSpec;
use crate::state::State;
use crate::time_of_day::TimeOfDay;
use jiff::civil::Date;

/// A parsed period. Day fields combine with AND. A period whose `begintime` is later than
/// its `endtime` crosses midnight (our extension): it runs from `begintime` on a day its
/// day fields match until `endtime` on the next day, so the day fields name the day the
/// period starts.
#[derive(Debug, Clone)]
pub struct Period {
    name: String,
    begin: Option<TimeOfDay>,
    end: Option<TimeOfDay>,
    weekdays: WeekdaySet,
    monthdays: MonthdaySet,
    months: MonthSet,
    cron: Option<CronRule>,
    spec: PeriodSpec,
}

/// How recently a running period started, for choosing whose instance type applies:
/// upstream picks the running period with the latest `begintime`; a period without one
/// never wins over one with one. The after-midnight part of an overnight period started
/// yesterday, so it ranks below any begin today.
pub(crate) type BeginRank = Option<i64>;

impl Period {
    /// Parses a period, reporting every bad field.
    pub fn parse(spec: &PeriodSpec) -> Result<Period, Vec<FieldError>> {
        let mut errors = Vec::new();
        if spec.name.trim().is_empty() {
            errors.push(FieldError::new("name", None, "must not be empty"));
        }
        let mut time = |field: &str, text: &Option<String>| match text.as_deref() {
            None => None,
            Some(t) => TimeOfDay::parse(field, t).map_err(|e| errors.push(e)).ok(),
        };
        let begin = time("begintime", &spec.begintime);
        let end = time("endtime", &spec.endtime);
        fn field<T>(
            text: Option<&str>,
            all: T,
            parse: fn(&str) -> Result<T, Vec<FieldError>>,
            errors: &mut Vec<FieldError>,
        ) -> T {
            match text {
                None => all,
                Some(t) => parse(t).unwrap_or_else(|e| {
                    errors.extend(e);
                    all
                }),
            }
        }
        let weekdays = field(
            spec.weekdays.as_deref(),
            WeekdaySet::ALL,
            WeekdaySet::parse,
            &mut errors,
        );
        let monthdays = field(
            spec.monthdays.as_deref(),
            MonthdaySet::ALL,
            MonthdaySet::parse,
            &mut errors,
        );
        let months = field(
            spec.months.as_deref(),
            MonthSet::ALL,
            MonthSet::parse,
            &mut errors,
        );
        let windowed = spec.begintime.is_some()
            || spec.endtime.is_some()
            || spec.weekdays.is_some()
            || spec.monthdays.is_some()
            || spec.months.is_some();
        let cron = match (&spec.start_cron, &spec.stop_cron) {
            (None, None) => None,
            (Some(start), Some(stop)) => {
                if windowed {
                    errors.push(FieldError::new(
                        "start_cron",
                        None,
                        "a cron period has only start_cron and stop_cron (no begintime, endtime or day fields)",
                    ));
                }
                CronRule::parse(start, stop)
                    .map_err(|e| errors.extend(e))
                    .ok()
            }
            (Some(_), None) => {
                errors.push(FieldError::new(
                    "stop_cron",
                    None,
                    "is required with start_cron",
                ));
                None
            }
            (None, Some(_)) => {
                errors.push(FieldError::new(
                    "start_cron",
                    None,
                    "is required with stop_cron",
                ));
                None
            }
        };
        if !windowed && spec.start_cron.is_none() && spec.stop_cron.is_none() {
            errors.push(FieldError::new(
                "period",
                None,
                "needs at least one of begintime, endtime, weekdays, monthdays, months (or start_cron and stop_cron)",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Period {
            name: spec.name.trim().to_owned(),
            begin,
            end,
            weekdays,
            monthdays,
            months,
            cron,
            spec: spec.clone(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn spec(&self) -> &PeriodSpec {
        &self.spec
    }

    pub fn begin(&self) -> Option<TimeOfDay> {
        self.begin
    }

    pub fn end(&self) -> Option<TimeOfDay> {
        self.end
    }

    pub fn is_overnight(&self) -> bool {
        matches!((self.begin, self.end), (Some(b), Some(e)) if b > e)
    }

    /// Seconds of `date` at which a cron period fires (none for other periods).
    pub(crate) fn cron_events_on(&self, date: Date) -> Option<Vec<u32>> {
        self.cron.as_ref().map(|c| c.events_on(date))
    }

    pub fn is_cron(&self) -> bool {
        self.cron.is_some()
    }

    pub fn day_matches(&self, date: Date) -> bool {
        self.months.matches(date) && self.weekdays.matches(date) && self.monthdays.matches(date)
    }

    /// The period's state at a wall-clock date and second of the day, with the rank used
    /// to choose an instance type when it is running.
    pub(crate) fn state_on(&self, date: Date, tod: u32) -> (State, BeginRank) {
        if let Some(cron) = &self.cron {
            return cron.state_on(date, tod);
        }
        let begin = self.begin.map(TimeOfDay::seconds);
        let end = self.end.map(TimeOfDay::seconds);
        if let (Some(b), Some(e)) = (begin, end)
            && b > e
        {
            if tod >= b && self.day_matches(date) {
                return (State::Running, Some(b as i64));
            }
            if tod < e && date.yesterday().is_ok_and(|d| self.day_matches(d)) {
                return (State::Running, Some(-1));
            }
            return (State::Stopped, None);
        }
        if !self.day_matches(date) {
            return (State::Stopped, None);
        }
        let rank = begin.map(i64::from);
        let state = match (begin, end) {
            (None, None) => State::Running,
            (None, Some(e)) if tod >= e => State::Stopped,
            (None, Some(_)) => State::Any,
            (Some(b), None) if tod >= b => State::Running,
            (Some(_), None) => State::Any,
            (Some(b), Some(e)) if b <= tod && tod < e => State::Running,
            (Some(_), Some(_)) => State::Stopped,
        };
        (state, rank)
    }
}
