//! Arbitrary text in every field of a period and a schedule: parsing must return a value
//! or errors, never panic; whatever parses must evaluate without panicking.
#![no_main]

use isched_schedule::spec::{PeriodSpec, ScheduleSpec};
use isched_schedule::{Period, Schedule};
use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Fields separated by newlines; an empty field is absent.
    let mut f = text.split('\n').map(|s| (!s.is_empty()).then(|| s.to_owned()));
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
    let Ok(p) = Period::parse(&period) else { return };
    let p = Arc::new(p);
    let entry = match type_suffix {
        Some(t) => format!("p@{t}"),
        None => "p".into(),
    };
    let spec = ScheduleSpec { name: "s".into(), timezone, periods: vec![entry, "p".into()], ..ScheduleSpec::default() };
    let Ok(s) = Schedule::parse(&spec, |_| Some(p.clone()), |_| None) else { return };
    let t0 = Timestamp::from_second(1_800_000_000).expect("in range");
    for h in [0, 7, 13, 4000] {
        let _ = s.state_at(t0 + SignedDuration::from_hours(h));
    }
    if !p.is_cron() {
        let _ = s.next_transition(t0);
    }
});
