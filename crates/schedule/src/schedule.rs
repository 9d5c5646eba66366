//! A schedule: a time zone, periods (each optionally with an instance type), and flags.

use crate::calendar::Calendar;
use crate::error::FieldError;
use crate::period::Period;
use crate::spec::ScheduleSpec;
use crate::state::State;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideStatus {
    Running,
    Stopped,
}

/// One period of a schedule, with the instance type asked for while it runs (`name@type`).
#[derive(Debug, Clone)]
pub struct ScheduleEntry {
    pub period: Arc<Period>,
    pub instance_type: Option<String>,
}

/// A dated exception: on local days `first..=last` the schedule says `state`, whatever its
/// calendars and periods say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub first: Date,
    pub last: Date,
    pub state: State,
    pub description: Option<String>,
}

/// Flags that steer the engine, not evaluation; defaults as upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleFlags {
    pub enforced: bool,
    pub retain_running: bool,
    pub stop_new_instances: bool,
    pub hibernate: bool,
    pub use_maintenance_window: bool,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub(crate) name: String,
    pub(crate) tz: TimeZone,
    pub(crate) entries: Vec<ScheduleEntry>,
    pub(crate) override_status: Option<OverrideStatus>,
    pub(crate) flags: ScheduleFlags,
    pub(crate) exceptions: Vec<Exception>,
    pub(crate) calendars: Vec<Arc<Calendar>>,
    /// What a calendar day means: `Stopped` (holidays) or `Running`.
    pub(crate) calendar_days: State,
    /// Whether some period is a cron period, whose boundaries differ from day to day.
    pub(crate) has_cron: bool,
    /// Seconds of the day at which the answer can change: midnight and every begin and end.
    /// Upstream's adjacent-period bridge adds none: boundaries are whole minutes, so a
    /// stopped spell lasts at least 60 s and the bridge covers either all of a one-minute
    /// spell, from an end to a begin, or none of it.
    pub(crate) breakpoints: Vec<u32>,
    spec: ScheduleSpec,
}

impl Schedule {
    /// Parses a schedule; `period` and `calendar` resolve names. Every problem is reported.
    pub fn parse(
        spec: &ScheduleSpec,
        period: impl Fn(&str) -> Option<Arc<Period>>,
        calendar: impl Fn(&str) -> Option<Arc<Calendar>>,
    ) -> Result<Schedule, Vec<FieldError>> {
        let mut errors = Vec::new();
        if spec.name.trim().is_empty() {
            errors.push(FieldError::new("name", None, "must not be empty"));
        }
        let tz = match spec.timezone.as_deref().map(str::trim) {
            None | Some("") => TimeZone::UTC,
            Some(name) => TimeZone::get(name).unwrap_or_else(|_| {
                errors.push(FieldError::new("timezone", Some(name), "unknown time zone"));
                TimeZone::UTC
            }),
        };
        let override_status = match spec.override_status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) if s.eq_ignore_ascii_case("running") => Some(OverrideStatus::Running),
            Some(s) if s.eq_ignore_ascii_case("stopped") => Some(OverrideStatus::Stopped),
            Some(s) => {
                errors.push(FieldError::new(
                    "override_status",
                    Some(s),
                    "must be running or stopped",
                ));
                None
            }
        };
        let mut entries = Vec::new();
        for raw in &spec.periods {
            let raw = raw.trim();
            let (name, instance_type) = match raw.split_once('@') {
                Some((n, t)) => (n.trim(), Some(t.trim())),
                None => (raw, None),
            };
            if instance_type == Some("") {
                errors.push(FieldError::new(
                    "periods",
                    Some(raw),
                    "instance type after @ is empty",
                ));
                continue;
            }
            match period(name) {
                Some(p) => entries.push(ScheduleEntry {
                    period: p,
                    instance_type: instance_type.map(str::to_owned),
                }),
                None => errors.push(FieldError::new(
                    "periods",
                    Some(name),
                    "no period has this name",
                )),
            }
        }
        if spec.periods.is_empty() && override_status.is_none() {
            errors.push(FieldError::new(
                "periods",
                None,
                "a schedule needs at least one period, or an override_status",
            ));
        }
        let calendars: Vec<Arc<Calendar>> = spec
            .calendars
            .iter()
            .filter_map(|name| {
                let found = calendar(name.trim());
                if found.is_none() {
                    errors.push(FieldError::new(
                        "calendars",
                        Some(name),
                        "no calendar has this name",
                    ));
                }
                found
            })
            .collect();
        let calendar_days = match spec.calendar_days.as_deref().map(str::trim) {
            None | Some("stopped") => State::Stopped,
            Some("running") => State::Running,
            Some(other) => {
                errors.push(FieldError::new(
                    "calendar_days",
                    Some(other),
                    "must be stopped or running",
                ));
                State::Stopped
            }
        };
        let exceptions = spec
            .exceptions
            .iter()
            .filter_map(|e| parse_exception(e).map_err(|err| errors.push(err)).ok())
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let flags = ScheduleFlags {
            enforced: spec.enforced.unwrap_or(false),
            retain_running: spec.retain_running.unwrap_or(false),
            stop_new_instances: spec.stop_new_instances.unwrap_or(true),
            hibernate: spec.hibernate.unwrap_or(false),
            use_maintenance_window: spec.use_maintenance_window.unwrap_or(false),
        };
        let breakpoints = breakpoints(&entries);
        let has_cron = entries.iter().any(|e| e.period.is_cron());
        Ok(Schedule {
            exceptions,
            calendars,
            calendar_days,
            has_cron,
            name: spec.name.trim().to_owned(),
            tz,
            entries,
            override_status,
            flags,
            breakpoints,
            spec: spec.clone(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn entries(&self) -> &[ScheduleEntry] {
        &self.entries
    }

    pub fn override_status(&self) -> Option<OverrideStatus> {
        self.override_status
    }

    pub fn flags(&self) -> ScheduleFlags {
        self.flags
    }

    pub fn spec(&self) -> &ScheduleSpec {
        &self.spec
    }

    pub fn exceptions(&self) -> &[Exception] {
        &self.exceptions
    }

    pub fn calendars(&self) -> &[Arc<Calendar>] {
        &self.calendars
    }

    /// Seconds of `date` at which the answer can change: the fixed daily breakpoints, plus
    /// that day's cron events when a period is a cron period.
    pub(crate) fn breakpoints_on(&self, date: Date) -> Cow<'_, [u32]> {
        if !self.has_cron {
            return Cow::Borrowed(&self.breakpoints);
        }
        let mut all = self.breakpoints.clone();
        for e in &self.entries {
            all.extend(e.period.cron_events_on(date).unwrap_or_default());
        }
        all.sort_unstable();
        all.dedup();
        Cow::Owned(all)
    }
}

fn parse_exception(e: &crate::spec::ExceptionSpec) -> Result<Exception, FieldError> {
    let date = |text: &str| {
        text.trim()
            .parse::<Date>()
            .map_err(|_| FieldError::new("exceptions", Some(text), "not a date (YYYY-MM-DD)"))
    };
    let first = date(&e.from)?;
    let last = match &e.to {
        Some(t) => date(t)?,
        None => first,
    };
    if last < first {
        return Err(FieldError::new(
            "exceptions",
            e.to.as_deref(),
            "the range ends before it starts",
        ));
    }
    let state = match e.state.trim() {
        "running" => State::Running,
        "stopped" => State::Stopped,
        other => {
            return Err(FieldError::new(
                "exceptions",
                Some(other),
                "state must be running or stopped",
            ));
        }
    };
    Ok(Exception {
        first,
        last,
        state,
        description: e.description.clone(),
    })
}

fn breakpoints(entries: &[ScheduleEntry]) -> Vec<u32> {
    let mut base = vec![0u32];
    for e in entries {
        base.extend(e.period.begin().map(|t| t.seconds()));
        base.extend(e.period.end().map(|t| t.seconds()));
    }
    base.sort_unstable();
    base.dedup();
    base
}
