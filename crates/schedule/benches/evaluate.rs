//! Evaluations and next-transition searches per second for a typical two-period schedule
//! in America/New_York. Goal: at least 5 million evaluations per second on one core.
//!
//! Run: `cargo bench -p isched-schedule --bench evaluate`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isched_schedule::spec::{PeriodSpec, ScheduleSpec};
use isched_schedule::{Period, Schedule};
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::sync::Arc;

fn office_schedule() -> Schedule {
    let periods = [
        PeriodSpec {
            name: "weekdays".into(),
            begintime: Some("09:00".into()),
            endtime: Some("17:00".into()),
            weekdays: Some("mon-fri".into()),
            ..Default::default()
        },
        PeriodSpec {
            name: "saturday".into(),
            begintime: Some("10:00".into()),
            endtime: Some("14:00".into()),
            weekdays: Some("sat".into()),
            ..Default::default()
        },
    ]
    .map(|p| Arc::new(Period::parse(&p).expect("valid")));
    let spec = ScheduleSpec {
        name: "office".into(),
        timezone: Some("America/New_York".into()),
        periods: vec!["weekdays".into(), "saturday@t3.large".into()],
        ..Default::default()
    };
    Schedule::parse(
        &spec,
        |n| periods.iter().find(|p| p.name() == n).cloned(),
        |_| None,
    )
    .expect("valid")
}

/// 4096 instants spread over 2027 (DST days included), so the benchmark does not measure
/// one cached instant.
fn instants() -> Vec<Timestamp> {
    let start = Timestamp::from_second(1_798_761_600).expect("2027-01-01");
    (0..4096)
        .map(|i| start + SignedDuration::from_secs(i * 7_699))
        .collect()
}

fn bench(c: &mut Criterion) {
    let schedule = office_schedule();
    let at = instants();
    let mut g = c.benchmark_group("two-period America/New_York");
    g.throughput(Throughput::Elements(at.len() as u64));
    g.bench_function("state_at", |b| {
        b.iter(|| {
            for t in &at {
                black_box(schedule.state_at(black_box(*t)));
            }
        })
    });
    g.bench_function("next_transition", |b| {
        b.iter(|| {
            for t in &at {
                black_box(schedule.next_transition(black_box(*t)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
