//! What the fuzz targets in `fuzz/` run, and what the test suite replays on the corpus kept
//! in `fuzz/corpus/` (`testkit/tests/it/fuzz_corpus.rs`): each function takes arbitrary
//! bytes and must return (a value or errors, both ignored), never panic. Whatever parses is also evaluated, since evaluation
//! is where a strange but accepted definition would hurt.

use crate::spec::{CatalogSpec, PeriodSpec, ScheduleSpec};
use crate::{Calendar, Catalog, Period, Schedule};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

/// An instant in 2027, and instants around it (a DST change in many zones is in range).
fn instants() -> impl Iterator<Item = Timestamp> {
    let t0 = Timestamp::from_second(1_800_000_000).expect("in range");
    [0, 7, 13, 4000]
        .map(move |h| t0 + SignedDuration::from_hours(h))
        .into_iter()
}

/// Evaluates a schedule that parsed: states at a few instants, and (unless a cron period
/// makes the search long by design) its transitions over a week.
fn exercise(schedule: &Schedule, cron: bool) {
    for at in instants() {
        let _ = schedule.state_at(at);
    }
    if !cron {
        let t0 = Timestamp::from_second(1_800_000_000).expect("in range");
        let _ = schedule.next_transition(t0);
        let _ = schedule
            .transitions(t0, t0 + SignedDuration::from_hours(24 * 8))
            .take(500)
            .count();
    }
}

/// The fields of a period and its schedule, one per line (an empty line is an absent
/// field): begintime, endtime, weekdays, monthdays, months, start_cron, stop_cron,
/// timezone, and an instance type for `p@type`.
pub fn fields(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut f = text
        .split('\n')
        .map(|s| (!s.is_empty()).then(|| s.to_owned()));
    let mut next = || f.next().flatten();
    let period = PeriodSpec {
        name: "p".into(),
        begintime: next(),
        endtime: next(),
        weekdays: next(),
        monthdays: next(),
        months: next(),
        start_cron: next(),
        stop_cron: next(),
        ..PeriodSpec::default()
    };
    let timezone = next();
    let type_suffix = next();
    let Ok(p) = Period::parse(&period) else {
        return;
    };
    let p = Arc::new(p);
    let entry = match type_suffix {
        Some(t) => format!("p@{t}"),
        None => "p".into(),
    };
    let spec = ScheduleSpec {
        name: "s".into(),
        timezone,
        periods: vec![entry, "p".into()],
        ..ScheduleSpec::default()
    };
    let Ok(s) = Schedule::parse(&spec, |_| Some(p.clone()), |_| None) else {
        return;
    };
    exercise(&s, p.is_cron());
}

/// A definitions file as JSON (`isched schedules import`, the API's bodies): periods,
/// schedules with exceptions and overrides, calendars with dates and ICS text.
pub fn catalog_json(data: &[u8]) {
    let Ok(spec) = serde_json::from_slice::<CatalogSpec>(data) else {
        return;
    };
    let Ok(catalog) = Catalog::parse(&spec) else {
        return;
    };
    let cron = catalog.periods().any(Period::is_cron);
    for s in catalog.schedules() {
        exercise(s, cron);
    }
}

/// An iCalendar file imported as a holiday calendar.
pub fn ics(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((calendar, _report)) = Calendar::from_ics("fuzz", text) {
        let _ = calendar.entries().len();
    }
}
