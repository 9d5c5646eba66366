//! One resource's usage over one day, computed exactly from its running spans, when it
//! existed and what its schedule planned. Pure: no store, no clock.

use isched_schedule::{Catalog, Schedule, State};
use isched_store::usage_rollups::{UsageRow, UsageSums};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;

/// A span of running at one price.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub start: Timestamp,
    /// None: still running.
    pub end: Option<Timestamp>,
    pub hourly_price: f64,
}

/// A resource as usage sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// The resource key (`provider:account:region:id`), or `instance:ID` for an instance
    /// that never reached the cloud.
    pub resource: String,
    /// Owner's email, or `(none)`; likewise template and schedule.
    pub owner: String,
    pub template: String,
    pub schedule: String,
    pub exists_from: Timestamp,
    pub exists_to: Option<Timestamp>,
    /// Oldest first, not overlapping.
    pub runs: Vec<Run>,
    /// The price of the time it did not run (what always-on would have cost).
    pub idle_price: f64,
    /// How many resources this stands for: more than one only for resources that count
    /// alike (same schedule, price, owner, template and start, and the same runs or none).
    pub weight: u32,
}

pub const NONE: &str = "(none)";

/// Whole local days `first..=last` in a zone.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRange {
    pub zone: TimeZone,
    pub first: Date,
    pub last: Date,
}

impl DayRange {
    /// The instant a local day starts (the first instant of that date, also on a DST day).
    pub fn start_of(&self, day: Date) -> Timestamp {
        day.to_zoned_datetime(self.zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }

    pub fn start(&self) -> Timestamp {
        self.start_of(self.first)
    }

    /// The instant after the last day.
    pub fn end(&self) -> Timestamp {
        self.last
            .tomorrow()
            .map(|d| self.start_of(d))
            .unwrap_or(Timestamp::MAX)
    }

    /// Each day with its instants `[start, end)`.
    pub fn days(&self) -> impl Iterator<Item = (Date, Timestamp, Timestamp)> + '_ {
        let mut day = Some(self.first);
        std::iter::from_fn(move || {
            let d = day.filter(|d| *d <= self.last)?;
            let next = d.tomorrow().ok();
            day = next;
            let end = next.map(|n| self.start_of(n)).unwrap_or(Timestamp::MAX);
            Some((d, self.start_of(d), end))
        })
    }
}

/// When a schedule wants running and stopped within one day.
#[derive(Debug, Clone, Default)]
struct Plan {
    running: Vec<(Timestamp, Timestamp)>,
    stopped: Vec<(Timestamp, Timestamp)>,
}

fn plan_of(schedule: &Schedule, start: Timestamp, end: Timestamp) -> Plan {
    let mut plan = Plan::default();
    let mut push = |state: State, from: Timestamp, to: Timestamp| match state {
        State::Running => plan.running.push((from, to)),
        State::Stopped => plan.stopped.push((from, to)),
        State::Any => {}
    };
    let mut cursor = start;
    let mut state = schedule.state_at(start).state;
    for t in schedule.transitions(start, end) {
        if t.at >= end {
            break;
        }
        push(state, cursor, t.at);
        cursor = t.at;
        state = t.state;
    }
    push(state, cursor, end);
    plan
}

/// Milliseconds `[a0, a1)` and `[b0, b1)` share.
fn overlap(a0: Timestamp, a1: Timestamp, b0: Timestamp, b1: Timestamp) -> i64 {
    let from = a0.max(b0);
    let to = a1.min(b1);
    if to > from {
        to.duration_since(from).as_millis() as i64
    } else {
        0
    }
}

const MS_PER_HOUR: f64 = 3_600_000.0;

/// The usage of one subject over `[start, end)` (a day), counting nothing after `now`;
/// None when it neither existed nor ran then.
fn day_row(
    s: &Subject,
    day: Date,
    (start, end): (Timestamp, Timestamp),
    now: Timestamp,
    plan: Option<&Plan>,
) -> Option<UsageRow> {
    let end = end.min(now);
    let exists = (
        s.exists_from.max(start),
        s.exists_to.unwrap_or(Timestamp::MAX).min(end),
    );
    let mut running = 0;
    let mut unplanned = 0;
    let mut cost = 0.0;
    let mut unplanned_cost = 0.0;
    for r in &s.runs {
        let r_end = r.end.unwrap_or(now);
        let ms = overlap(r.start, r_end, start, end);
        if ms == 0 {
            continue;
        }
        running += ms;
        cost += ms as f64 * r.hourly_price / MS_PER_HOUR;
        for &(w0, w1) in plan.map(|p| p.stopped.as_slice()).unwrap_or_default() {
            let waste = overlap(r.start.max(start), r_end.min(end), w0, w1);
            unplanned += waste;
            unplanned_cost += waste as f64 * r.hourly_price / MS_PER_HOUR;
        }
    }
    let existing = overlap(exists.0, exists.1, start, end).max(running);
    if existing == 0 {
        return None;
    }
    let planned: i64 = plan
        .map(|p| p.running.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|&(w0, w1)| overlap(exists.0, exists.1, w0, w1))
        .sum();
    let secs = |ms: i64| ms.div_euclid(1000);
    let n = i64::from(s.weight.max(1));
    let f = n as f64;
    Some(UsageRow {
        period: day.to_string(),
        resource: s.resource.clone(),
        owner: s.owner.clone(),
        template: s.template.clone(),
        schedule: s.schedule.clone(),
        sums: UsageSums {
            running_seconds: secs(running) * n,
            existing_seconds: secs(existing) * n,
            planned_seconds: secs(planned) * n,
            unplanned_seconds: secs(unplanned) * n,
            cost: cost * f,
            saved_cost: (existing - running) as f64 * s.idle_price / MS_PER_HOUR * f,
            unplanned_cost: unplanned_cost * f,
        },
    })
}

/// Every subject's row for every day of the range (days after `now` are skipped, and
/// the day `now` falls in counts up to `now`).
pub fn rows(
    subjects: &[Subject],
    range: &DayRange,
    now: Timestamp,
    catalog: &Catalog,
) -> Vec<UsageRow> {
    let mut plans: HashMap<(&str, Date), Option<Plan>> = HashMap::new();
    let mut out = Vec::new();
    for (day, start, end) in range.days() {
        if start >= now {
            break;
        }
        for s in subjects {
            let plan = plans.entry((s.schedule.as_str(), day)).or_insert_with(|| {
                catalog
                    .schedule(&s.schedule)
                    .map(|sc| plan_of(sc, start, end))
            });
            out.extend(day_row(s, day, (start, end), now, plan.as_ref()));
        }
    }
    out
}

/// Hours in a number of seconds, for people.
pub fn hours(seconds: i64) -> f64 {
    seconds as f64 / SignedDuration::from_hours(1).as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use isched_schedule::spec::CatalogSpec;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("instant")
    }

    /// Office hours Mon–Fri 09:00–17:00 in New York.
    fn catalog() -> Catalog {
        let spec: CatalogSpec = serde_json::from_str(
            r#"{"periods":[{"name":"office","begintime":"09:00","endtime":"17:00","weekdays":"mon-fri"}],
                "schedules":[{"name":"office-hours","timezone":"America/New_York","periods":["office"]}]}"#,
        )
        .expect("spec");
        Catalog::parse(&spec).expect("catalog")
    }

    fn subject(runs: Vec<Run>) -> Subject {
        Subject {
            resource: "sandbox:000000000000:local:i-1".into(),
            owner: "dev@example.com".into(),
            template: NONE.into(),
            schedule: "office-hours".into(),
            exists_from: at("2026-01-01T00:00:00Z"),
            exists_to: None,
            runs,
            idle_price: 1.0,
            weight: 1,
        }
    }

    fn ny_week() -> DayRange {
        // Thursday 5 March to Wednesday 11 March 2026: DST starts on Sunday 8 March.
        DayRange {
            zone: TimeZone::get("America/New_York").expect("zone"),
            first: "2026-03-05".parse().expect("date"),
            last: "2026-03-11".parse().expect("date"),
        }
    }

    /// The runs an instance following office hours exactly has over the week.
    fn office_runs(price: f64) -> Vec<Run> {
        ["05", "06", "09", "10", "11"]
            .iter()
            .map(|d| {
                let z = |h: &str| {
                    format!("2026-03-{d}T{h}:00:00")
                        .parse::<jiff::civil::DateTime>()
                        .expect("datetime")
                        .to_zoned_datetime(TimeZone::get("America/New_York").expect("zone"))
                        .expect("zoned")
                        .timestamp()
                };
                Run {
                    start: z("09"),
                    end: Some(z("17")),
                    hourly_price: price,
                }
            })
            .collect()
    }

    #[test]
    fn a_week_across_the_dst_sunday_is_exact() {
        let s = subject(office_runs(0.5));
        let now = at("2026-04-01T00:00:00Z");
        let out = rows(&[s], &ny_week(), now, &catalog());
        assert_eq!(out.len(), 7);
        let sunday = out
            .iter()
            .find(|r| r.period == "2026-03-08")
            .expect("sunday");
        assert_eq!(
            sunday.sums.existing_seconds,
            23 * 3600,
            "the DST Sunday has 23 hours"
        );
        assert_eq!(sunday.sums.running_seconds, 0);
        let mut total = UsageSums::default();
        out.iter().for_each(|r| total.add(&r.sums));
        assert_eq!(total.running_seconds, 5 * 8 * 3600);
        assert_eq!(total.existing_seconds, (7 * 24 - 1) * 3600);
        assert_eq!(total.planned_seconds, 5 * 8 * 3600);
        assert_eq!(total.unplanned_seconds, 0);
        assert!((total.cost - 40.0 * 0.5).abs() < 1e-9);
        assert!((total.saved_cost - 127.0 * 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_manual_start_outside_the_schedule_is_unplanned() {
        let mut runs = office_runs(1.0);
        // Started by hand on Saturday at 10:00 and stopped at 13:30 (3.5 h of waste), and
        // kept on one evening until 19:00 (2 h more).
        runs.push(Run {
            start: at("2026-03-07T10:00:00-05:00"),
            end: Some(at("2026-03-07T13:30:00-05:00")),
            hourly_price: 1.0,
        });
        runs[3].end = Some(at("2026-03-10T19:00:00-04:00"));
        runs.sort_by_key(|r| r.start);
        let out = rows(
            &[subject(runs)],
            &ny_week(),
            at("2026-04-01T00:00:00Z"),
            &catalog(),
        );
        let mut total = UsageSums::default();
        out.iter().for_each(|r| total.add(&r.sums));
        assert_eq!(
            total.running_seconds,
            (40 * 3600) + 3 * 3600 + 1800 + 2 * 3600
        );
        assert_eq!(total.unplanned_seconds, 5 * 3600 + 1800);
        assert!((total.unplanned_cost - 5.5).abs() < 1e-9);
    }

    #[test]
    fn a_resize_mid_period_changes_the_price_at_that_instant() {
        let runs = vec![
            Run {
                start: at("2026-03-09T09:00:00-04:00"),
                end: Some(at("2026-03-09T12:00:00-04:00")),
                hourly_price: 0.1,
            },
            Run {
                start: at("2026-03-09T12:00:00-04:00"),
                end: Some(at("2026-03-09T17:00:00-04:00")),
                hourly_price: 0.4,
            },
        ];
        let out = rows(
            &[subject(runs)],
            &ny_week(),
            at("2026-04-01T00:00:00Z"),
            &catalog(),
        );
        let monday = out
            .iter()
            .find(|r| r.period == "2026-03-09")
            .expect("monday");
        assert_eq!(monday.sums.running_seconds, 8 * 3600);
        assert!((monday.sums.cost - (3.0 * 0.1 + 5.0 * 0.4)).abs() < 1e-9);
    }

    #[test]
    fn terminated_mid_day_and_now_cut_the_day() {
        let mut s = subject(vec![Run {
            start: at("2026-03-10T09:00:00-04:00"),
            end: Some(at("2026-03-10T11:15:00-04:00")),
            hourly_price: 2.0,
        }]);
        s.exists_to = Some(at("2026-03-10T11:15:00-04:00"));
        let out = rows(
            &[s.clone()],
            &ny_week(),
            at("2026-04-01T00:00:00Z"),
            &catalog(),
        );
        let last = out.last().expect("rows");
        assert_eq!(last.period, "2026-03-10", "nothing after it was terminated");
        assert_eq!(last.sums.existing_seconds, 11 * 3600 + 15 * 60);
        assert_eq!(last.sums.running_seconds, 2 * 3600 + 15 * 60);
        assert!((last.sums.cost - 4.5).abs() < 1e-9);

        // Still running at `now`: counted up to now, and no later days.
        s.runs[0].end = None;
        s.exists_to = None;
        let now = at("2026-03-10T10:00:00-04:00");
        let out = rows(&[s], &ny_week(), now, &catalog());
        let last = out.last().expect("rows");
        assert_eq!(last.period, "2026-03-10");
        assert_eq!(last.sums.running_seconds, 3600);
        assert_eq!(last.sums.existing_seconds, 10 * 3600);
    }
}
