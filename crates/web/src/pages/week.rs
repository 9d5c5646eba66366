//! A week of a schedule as an SVG chart: one row per day (Monday first) in a chosen time
//! zone, a bar wherever the schedule runs; a day that is not 24 hours long (a daylight-
//! saving change) is drawn to its true length and marked. The same intervals are listed as
//! text for screen readers. Drawn with maud (the bars are plain rectangles; styles come
//! from the style sheet, since the CSP allows no inline styles).

use isched_schedule::{Schedule, State};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use maud::{Markup, html};

/// One day of the week in the chosen zone.
pub(crate) struct Day {
    pub date: Date,
    /// Seconds from midnight to the next midnight (86 400 except on DST days).
    pub length: i64,
    /// Running spells as seconds from midnight: `[from, to)`.
    pub running: Vec<(i64, i64)>,
}

/// The seven days from `monday` as `schedule` runs them, read in `zone`.
pub(crate) fn week(schedule: &Schedule, zone: &TimeZone, monday: Date) -> Vec<Day> {
    let midnight = |d: Date| {
        d.to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::UNIX_EPOCH)
    };
    let mut days = Vec::with_capacity(7);
    for i in 0..7 {
        let Ok(date) = monday.checked_add(i.days()) else {
            break;
        };
        let (start, end) = match date.tomorrow() {
            Ok(next) => (midnight(date), midnight(next)),
            Err(_) => break,
        };
        let mut running = Vec::new();
        let mut on = (schedule.state_at(start).state == State::Running).then_some(start);
        for t in schedule.transitions(start, end) {
            match (t.state == State::Running, on) {
                (true, None) => on = Some(t.at),
                (false, Some(from)) => {
                    running.push((from, t.at));
                    on = None;
                }
                _ => {}
            }
        }
        if let Some(from) = on {
            running.push((from, end));
        }
        let secs = |t: Timestamp| t.duration_since(start).as_secs();
        days.push(Day {
            date,
            length: secs(end),
            running: running
                .into_iter()
                .filter(|(a, b)| b > a)
                .map(|(a, b)| (secs(a), secs(b)))
                .collect(),
        });
    }
    days
}

const WIDTH: f64 = 720.0;
const LABEL: f64 = 90.0;
const ROW: f64 = 28.0;

fn hhmm(secs: i64) -> String {
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// The chart, and the same as a list.
pub(crate) fn chart(days: &[Day], title: &str) -> Markup {
    let bar = WIDTH - LABEL - 10.0;
    let height = ROW * days.len() as f64 + 30.0;
    // Hours are laid out on a 24-hour day; a 25-hour day runs past the last tick.
    let x = |secs: i64| LABEL + bar * secs as f64 / 86_400.0;
    html! {
        figure.week {
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-labelledby="week-title" {
                title id="week-title" { (title) }
                @for h in (0..=24).step_by(3) {
                    line.tick x1=(x(h * 3600)) x2=(x(h * 3600)) y1="0" y2=(height - 22.0) {}
                    text.hour x=(x(h * 3600)) y=(height - 6.0) text-anchor="middle" { (format!("{h:02}")) }
                }
                @for (i, day) in days.iter().enumerate() {
                    @let y = ROW * i as f64;
                    text.day x="4" y=(y + ROW * 0.65) { (day.date.strftime("%a %-d %b")) }
                    rect.track x=(LABEL) y=(y + 6.0) width=(x(day.length) - LABEL) height=(ROW - 12.0) {}
                    @for (from, to) in &day.running {
                        rect.run x=(x(*from)) y=(y + 6.0) width=(x(*to) - x(*from)) height=(ROW - 12.0) {
                            title { (hhmm(*from)) "–" (hhmm(*to)) " running" }
                        }
                    }
                    @if day.length != 86_400 {
                        text.dst x=(WIDTH - 4.0) y=(y + ROW * 0.65) text-anchor="end" {
                            "DST " (day.length / 3600) " h"
                        }
                    }
                }
            }
            figcaption {
                ul.week-list {
                    @for day in days {
                        li {
                            strong { (day.date.strftime("%A %-d %B")) }
                            @if day.length != 86_400 { " (a daylight-saving day of " (day.length / 3600) " hours)" }
                            ": "
                            @if day.running.is_empty() { "stopped all day" }
                            @for (n, (from, to)) in day.running.iter().enumerate() {
                                @if n > 0 { ", " }
                                "runs " (hhmm(*from)) "–" (hhmm(*to))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use isched_schedule::Catalog;

    fn office(zone: &str) -> Catalog {
        let spec = serde_json::from_value(serde_json::json!({
            "periods": [{ "name": "office", "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" }],
            "schedules": [{ "name": "office", "timezone": zone, "periods": ["office"] }],
        }))
        .expect("spec");
        Catalog::parse(&spec).expect("catalog")
    }

    #[test]
    fn a_dst_week_is_drawn_to_its_true_length() {
        let catalog = office("Europe/Berlin");
        let schedule = catalog.schedule("office").expect("schedule");
        let zone = TimeZone::get("Europe/Berlin").expect("zone");
        // The week of Sunday 29 March 2026, when Berlin moves its clocks forward.
        let days = week(schedule, &zone, jiff::civil::date(2026, 3, 23));
        assert_eq!(days.len(), 7);
        assert_eq!(days[0].running, vec![(9 * 3600, 17 * 3600)]);
        assert!(days[5].running.is_empty(), "Saturday");
        assert_eq!(days[6].length, 23 * 3600, "the short Sunday");
        // Read in New York (on summer time since 8 March, Berlin not yet: 5 h apart), the
        // Berlin office day runs from 04:00 to 12:00.
        let ny = TimeZone::get("America/New_York").expect("zone");
        let days = week(schedule, &ny, jiff::civil::date(2026, 3, 23));
        assert_eq!(days[0].running, vec![(4 * 3600, 12 * 3600)]);
        let markup = chart(&days, "office").into_string();
        assert!(markup.contains("runs 04:00–12:00"), "{markup}");
    }
}
