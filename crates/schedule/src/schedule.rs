//! A schedule: a time zone, periods (each optionally with an instance type), and flags.

use crate::error::FieldError;
use crate::period::Period;
use crate::spec::ScheduleSpec;
use jiff::tz::TimeZone;
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
    /// Seconds of the day at which the answer can change: midnight and every begin and end.
    /// Upstream's adjacent-period bridge adds none: boundaries are whole minutes, so a
    /// stopped spell lasts at least 60 s and the bridge covers either all of a one-minute
    /// spell, from an end to a begin, or none of it.
    pub(crate) breakpoints: Vec<u32>,
    spec: ScheduleSpec,
}

impl Schedule {
    /// Parses a schedule; `period` resolves a period name. Every problem is reported.
    pub fn parse(
        spec: &ScheduleSpec,
        period: impl Fn(&str) -> Option<Arc<Period>>,
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
        Ok(Schedule {
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
