//! `next_transition` against brute force: for random schedules and zones, stepping minute
//! by minute from a random instant (often a DST day) must find the same first change, and
//! the state must be constant between consecutive transitions, to the second.

use isched_schedule::spec::{
    CalendarEntrySpec, CalendarSpec, ExceptionSpec, PeriodSpec, ScheduleSpec,
};
use isched_schedule::{Calendar, OverrideStatus, Period, ResourceOverride, Schedule};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
];

fn time() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        4 => (0u32..24, prop::sample::select(vec![0u32, 1, 15, 30, 44, 59]))
            .prop_map(|(h, m)| Some(format!("{h}:{m:02}"))),
    ]
}

fn field(pool: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        1 => prop::sample::select(pool).prop_map(|s| Some(s.to_owned())),
    ]
}

fn period(i: usize) -> impl Strategy<Value = PeriodSpec> {
    (
        time(),
        time(),
        field(&[
            "mon-fri",
            "sat,sun",
            "mon#2",
            "friL",
            "fri-mon/2",
            "0,2,4",
            "L",
            "tue",
            "sun#1",
        ]),
        field(&["1-15", "L", "15W", "1/7", "28-L", "1W"]),
        field(&["jan-jun", "nov-feb", "*/2", "mar,apr,oct,nov"]),
    )
        .prop_map(move |(begintime, endtime, weekdays, monthdays, months)| {
            let mut p = PeriodSpec {
                name: format!("p{i}"),
                begintime,
                endtime,
                weekdays,
                monthdays,
                months,
                ..PeriodSpec::default()
            };
            if p.begintime.is_none()
                && p.endtime.is_none()
                && p.weekdays.is_none()
                && p.monthdays.is_none()
                && p.months.is_none()
            {
                p.weekdays = Some("mon-fri".into());
            }
            p
        })
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (
        prop::collection::vec(any::<u8>(), 1..=3).prop_flat_map(|v| {
            let n = v.len();
            (
                (0..n).map(period).collect::<Vec<_>>(),
                prop::collection::vec(
                    prop::option::of(prop::sample::select(vec!["t3.small", "t3.large"])),
                    n,
                ),
            )
        }),
        prop::sample::select(ZONES),
        any::<bool>(),
    )
        .prop_map(|((mut periods, types), zone, adjacent)| {
            // Upstream's adjacent-period bridge only shows when one period begins a minute
            // after another ends (12:00 / 12:01, or 23:59 / 0:00); make that common.
            if adjacent && periods.len() > 1 {
                let end = periods[0]
                    .endtime
                    .get_or_insert_with(|| "12:00".into())
                    .clone();
                let (h, m) = end.split_once(':').expect("H:MM");
                let minute =
                    (h.parse::<u32>().expect("hour") * 60 + m.parse::<u32>().expect("minute") + 1)
                        % 1440;
                periods[1].begintime = Some(format!("{}:{:02}", minute / 60, minute % 60));
            }
            let mut by_name = HashMap::new();
            let mut names = Vec::new();
            for (p, t) in periods.iter().zip(types) {
                by_name.insert(
                    p.name.clone(),
                    Arc::new(Period::parse(p).expect("generated period parses")),
                );
                names.push(match t {
                    Some(t) => format!("{}@{t}", p.name),
                    None => p.name.clone(),
                });
            }
            let spec = ScheduleSpec {
                name: "s".into(),
                timezone: Some(zone.into()),
                periods: names,
                ..ScheduleSpec::default()
            };
            Schedule::parse(&spec, |n| by_name.get(n).cloned(), |_| None)
                .expect("generated schedule parses")
        })
}

/// A minute-aligned instant in 2026–2028; half the time within a day before a DST change.
fn start_for(schedule: &Schedule, seed: u32, near_dst: bool) -> Timestamp {
    start_in(schedule.time_zone(), seed, near_dst)
}

fn start_in(tz: &jiff::tz::TimeZone, seed: u32, near_dst: bool) -> Timestamp {
    let base = Timestamp::from_second(1_767_225_600).expect("2026-01-01"); // 2026-01-01T00:00Z
    let minutes = (seed % (3 * 365 * 1440)) as i64;
    let t = base + SignedDuration::from_mins(minutes);
    if near_dst
        && let Some(tr) = tz.following(t).next()
        && tr.timestamp() < base + SignedDuration::from_hours(4 * 365 * 24)
    {
        let back = (seed % (24 * 60)) as i64;
        let at = tr.timestamp() - SignedDuration::from_mins(back);
        return Timestamp::from_second(at.as_second() - at.as_second().rem_euclid(60))
            .expect("in range");
    }
    t
}

const WINDOW_MINUTES: i64 = 3 * 1440;

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, .. ProptestConfig::default() })]

    #[test]
    fn next_transition_matches_minute_by_minute(schedule in schedule(), seed in any::<u32>(), near_dst in any::<bool>()) {
        let t0 = start_for(&schedule, seed, near_dst);
        let state0 = schedule.state_at(t0);
        let brute = (1..=WINDOW_MINUTES)
            .map(|m| t0 + SignedDuration::from_mins(m))
            .find(|t| schedule.state_at(*t) != state0);
        let next = schedule.next_transition(t0);
        match (brute, &next) {
            (Some(b), Some(n)) => {
                prop_assert_eq!(n.at, b, "zone {} from {}", schedule.time_zone().iana_name().unwrap_or("?"), t0);
                let d = schedule.state_at(b);
                prop_assert_eq!((n.state, n.instance_type.as_deref()), (d.state, d.instance_type));
            }
            (Some(b), None) => prop_assert!(false, "brute force found a change at {b}, next_transition none"),
            (None, Some(n)) => prop_assert!(n.at > t0 + SignedDuration::from_mins(WINDOW_MINUTES), "transition at {} not seen by brute force", n.at),
            (None, None) => {}
        }
    }

    #[test]
    fn state_is_constant_between_transitions(schedule in schedule(), seed in any::<u32>(), near_dst in any::<bool>(), probe in 1i64..86_400) {
        let t0 = start_for(&schedule, seed, near_dst);
        let end = t0 + SignedDuration::from_hours(72);
        let mut from = t0;
        for tr in schedule.transitions(t0, end).chain(std::iter::once(isched_schedule::Transition { at: end, state: isched_schedule::State::Any, instance_type: None })) {
            let before = schedule.state_at(from);
            let span = (tr.at - from).as_secs();
            if span > 1 {
                let inside = from + SignedDuration::from_secs(1 + probe % (span - 1));
                prop_assert_eq!(schedule.state_at(inside), before, "between {} and {}", from, tr.at);
                prop_assert_eq!(schedule.state_at(tr.at - SignedDuration::from_secs(1)), before);
            }
            from = tr.at;
        }
    }
}

/// Pairs of start/stop cron expressions for cron periods.
const CRONS: &[(&str, &str)] = &[
    ("0 9 * * 1-5", "30 17 * * 1-5"),
    ("*/20 * * * *", "10,50 * * * *"),
    ("30 2 * * *", "15 3 * * *"),
    ("0 22 * * *", "0 6 * * *"),
    ("0 0 1 * *", "0 12 2 * *"),
];

/// First brute-force change from `t0` (minute steps) versus `next_transition_with`.
fn agree(
    schedule: &Schedule,
    t0: Timestamp,
    ov: Option<&ResourceOverride>,
) -> Result<(), TestCaseError> {
    let state0 = schedule.state_at_with(t0, ov);
    let brute = (1..=WINDOW_MINUTES)
        .map(|m| t0 + SignedDuration::from_mins(m))
        .find(|t| schedule.state_at_with(*t, ov) != state0);
    let next = schedule.next_transition_with(t0, ov);
    match (brute, &next) {
        (Some(b), Some(n)) => {
            prop_assert_eq!(n.at, b, "from {}", t0);
            let d = schedule.state_at_with(b, ov);
            prop_assert_eq!(
                (n.state, n.instance_type.as_deref()),
                (d.state, d.instance_type)
            );
        }
        (Some(b), None) => prop_assert!(
            false,
            "brute force found a change at {b}, next_transition none"
        ),
        (None, Some(n)) => prop_assert!(
            n.at > t0 + SignedDuration::from_mins(WINDOW_MINUTES),
            "transition at {} not seen",
            n.at
        ),
        (None, None) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn extensions_match_minute_by_minute(
        periods in prop::collection::vec(any::<u8>(), 0..=2).prop_flat_map(|v| (0..v.len()).map(period).collect::<Vec<_>>()),
        zone in prop::sample::select(ZONES),
        seed in any::<u32>(),
        near_dst in any::<bool>(),
        cron in prop::option::of(prop::sample::select(CRONS)),
        holiday in prop::option::of(0i64..3),
        holidays_run in any::<bool>(),
        exception in prop::option::of((0i64..3, 0i64..2, any::<bool>())),
        ov in prop::option::of((any::<bool>(), 1i64..3000)),
    ) {
        let tz = jiff::tz::TimeZone::get(zone).expect("zone");
        let t0 = start_in(&tz, seed, near_dst);
        let today = tz.to_datetime(t0).date();
        let day = |n: i64| (today + SignedDuration::from_hours(24 * n)).to_string();
        let mut specs = periods.clone();
        if let Some((start, stop)) = cron {
            specs.push(PeriodSpec { name: "cron".into(), start_cron: Some(start.into()), stop_cron: Some(stop.into()), ..PeriodSpec::default() });
        }
        if specs.is_empty() {
            specs.push(PeriodSpec { name: "p0".into(), weekdays: Some("mon-fri".into()), ..PeriodSpec::default() });
        }
        let by_name: HashMap<String, Arc<Period>> = specs.iter().map(|p| (p.name.clone(), Arc::new(Period::parse(p).expect("period")))).collect();
        let calendar = holiday.map(|n| Arc::new(Calendar::parse(&CalendarSpec {
            name: "h".into(),
            dates: vec![CalendarEntrySpec::Text(day(n))],
            ..CalendarSpec::default()
        }).expect("calendar")));
        let spec = ScheduleSpec {
            name: "s".into(),
            timezone: Some(zone.into()),
            periods: specs.iter().map(|p| p.name.clone()).collect(),
            calendars: calendar.iter().map(|c| c.name().to_owned()).collect(),
            calendar_days: Some(if holidays_run { "running" } else { "stopped" }.into()),
            exceptions: exception.map(|(from, len, running)| ExceptionSpec {
                from: day(from),
                to: Some(day(from + len)),
                state: if running { "running" } else { "stopped" }.into(),
                description: None,
            }).into_iter().collect(),
            ..ScheduleSpec::default()
        };
        let schedule = Schedule::parse(&spec, |n| by_name.get(n).cloned(), |n| calendar.clone().filter(|c| c.name() == n)).expect("schedule");
        let ov = ov.map(|(running, minutes)| ResourceOverride {
            state: if running { OverrideStatus::Running } else { OverrideStatus::Stopped },
            until: t0 + SignedDuration::from_mins(minutes),
        });
        agree(&schedule, t0, ov.as_ref())?;
    }
}
