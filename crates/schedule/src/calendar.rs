//! Holiday calendars: named sets of dates and date ranges, written out or imported from an
//! iCalendar (ICS) file. A schedule that lists a calendar treats its days as stopped (or,
//! if it says so, as running), whatever its periods say.

use crate::error::FieldError;
use crate::spec::{CalendarEntrySpec, CalendarSpec};
use jiff::civil::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub first: Date,
    /// Inclusive.
    pub last: Date,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    /// Sorted by `first`.
    entries: Vec<CalendarEntry>,
    /// `max_last[i]`: the latest `last` among `entries[..=i]`, for overlapping ranges.
    max_last: Vec<Date>,
}

/// What an ICS import took and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcsReport {
    pub imported: usize,
    /// Recurring events (RRULE) are not expanded; they are counted here instead.
    pub skipped_recurring: usize,
}

impl Calendar {
    /// Parses a calendar; `ics` text, if given, adds its events to the listed dates.
    pub fn parse(spec: &CalendarSpec) -> Result<Calendar, Vec<FieldError>> {
        let mut errors = Vec::new();
        if spec.name.trim().is_empty() {
            errors.push(FieldError::new("name", None, "must not be empty"));
        }
        let mut entries = Vec::new();
        for entry in &spec.dates {
            match parse_entry(entry) {
                Ok(e) => entries.push(e),
                Err(e) => errors.push(e),
            }
        }
        if let Some(text) = &spec.ics {
            match ics_entries(text) {
                Ok((more, _)) => entries.extend(more),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Calendar::new(spec.name.trim(), entries))
        } else {
            Err(errors)
        }
    }

    /// Imports every dated event of an iCalendar file.
    pub fn from_ics(name: &str, text: &str) -> Result<(Calendar, IcsReport), FieldError> {
        let (entries, report) = ics_entries(text)?;
        Ok((Calendar::new(name, entries), report))
    }

    fn new(name: &str, mut entries: Vec<CalendarEntry>) -> Calendar {
        entries.sort_by_key(|e| (e.first, e.last));
        let mut max_last = Vec::with_capacity(entries.len());
        for e in &entries {
            let prev = max_last.last().copied().unwrap_or(e.last);
            max_last.push(prev.max(e.last));
        }
        Calendar {
            name: name.to_owned(),
            entries,
            max_last,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn entries(&self) -> &[CalendarEntry] {
        &self.entries
    }

    /// True if `date` falls in any entry. O(log n).
    pub fn contains(&self, date: Date) -> bool {
        // Entries starting on or before `date`; the furthest-reaching of them decides.
        let n = self.entries.partition_point(|e| e.first <= date);
        n > 0 && self.max_last[n - 1] >= date
    }
}

fn parse_date(field: &str, text: &str) -> Result<Date, FieldError> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| FieldError::new(field, Some(text), "not a date (YYYY-MM-DD)"))
}

fn parse_entry(entry: &CalendarEntrySpec) -> Result<CalendarEntry, FieldError> {
    let (from, to, name) = match entry {
        CalendarEntrySpec::Text(t) => match t.split_once("..") {
            Some((a, b)) => (a, Some(b), None),
            None => (t.as_str(), None, None),
        },
        CalendarEntrySpec::Entry { from, to, name } => (from.as_str(), to.as_deref(), name.clone()),
    };
    let first = parse_date("dates", from)?;
    let last = match to {
        Some(t) => parse_date("dates", t)?,
        None => first,
    };
    if last < first {
        return Err(FieldError::new(
            "dates",
            Some(to.unwrap_or_default()),
            "the range ends before it starts",
        ));
    }
    Ok(CalendarEntry { first, last, name })
}

/// The date of an ICS DATE (`20261225`) or DATE-TIME (`20261225T090000Z`) value, with
/// whether a time of day was given and was midnight.
fn ics_date(value: &str) -> Option<(Date, bool)> {
    // Digits only: slicing text that is not ASCII could split a character (found by
    // fuzzing: fuzz/corpus/ics/crash-be67129).
    let digits = value
        .get(..8)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
    let date = format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..8])
        .parse()
        .ok()?;
    let midnight_or_none = value.get(9..15).is_none_or(|t| t == "000000");
    Some((date, midnight_or_none))
}

fn ics_entries(text: &str) -> Result<(Vec<CalendarEntry>, IcsReport), FieldError> {
    let unfolded = icalendar::parser::unfold(text);
    let calendar = icalendar::parser::read_calendar(&unfolded).map_err(|e| {
        FieldError::new(
            "ics",
            None,
            format!(
                "not an iCalendar file: {}",
                e.lines().next().unwrap_or("parse error")
            ),
        )
    })?;
    let mut entries = Vec::new();
    let mut report = IcsReport::default();
    for event in calendar.components.iter().filter(|c| c.name == "VEVENT") {
        if event.find_prop("RRULE").is_some() {
            report.skipped_recurring += 1;
            continue;
        }
        let Some(start) = event.find_prop("DTSTART") else {
            continue;
        };
        let start_value = start.val.as_str();
        let Some((first, _)) = ics_date(start_value) else {
            return Err(FieldError::new(
                "ics",
                Some(start_value),
                "DTSTART is not a date",
            ));
        };
        // DTEND is exclusive: a one-day event ends the next day at midnight.
        let last = match event
            .find_prop("DTEND")
            .and_then(|p| ics_date(p.val.as_str()))
        {
            Some((end, true)) if end > first => end.yesterday().unwrap_or(first),
            Some((end, _)) if end >= first => end,
            _ => first,
        };
        let name = event
            .find_prop("SUMMARY")
            .map(|p| p.val.as_str().to_owned());
        entries.push(CalendarEntry { first, last, name });
        report.imported += 1;
    }
    Ok((entries, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261226\r\nSUMMARY:Christmas Day\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20261228\r\nDTEND;VALUE=DATE:20270102\r\nSUMMARY:Winter shutdown\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:3\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:4\r\nDTSTART:20261111T090000Z\r\nDTEND:20261111T170000Z\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn imports_ics_events_with_exclusive_ends() {
        let (cal, report) = Calendar::from_ics("holidays", ICS).expect("parses");
        assert_eq!(
            report,
            IcsReport {
                imported: 3,
                skipped_recurring: 1
            }
        );
        assert!(cal.contains(date(2026, 12, 25)));
        assert!(!cal.contains(date(2026, 12, 26)));
        assert!(cal.contains(date(2026, 12, 28)) && cal.contains(date(2027, 1, 1)));
        assert!(!cal.contains(date(2027, 1, 2)));
        assert!(cal.contains(date(2026, 11, 11)));
        assert_eq!(cal.entries()[0].name.as_deref(), Some("Offsite"));
        assert!(Calendar::from_ics("x", "not ics at all").is_err());
    }

    #[test]
    fn overlapping_ranges_and_errors() {
        let spec = CalendarSpec {
            name: "c".into(),
            dates: vec![
                CalendarEntrySpec::Text("2026-07-01..2026-07-31".into()),
                CalendarEntrySpec::Text("2026-07-03".into()),
                CalendarEntrySpec::Entry {
                    from: "2026-08-10".into(),
                    to: None,
                    name: Some("x".into()),
                },
            ],
            ..CalendarSpec::default()
        };
        let cal = Calendar::parse(&spec).expect("valid");
        assert!(
            cal.contains(date(2026, 7, 20)),
            "inside the long range, after a short one"
        );
        assert!(cal.contains(date(2026, 8, 10)));
        assert!(!cal.contains(date(2026, 8, 1)));
        let bad = CalendarSpec {
            name: "c".into(),
            dates: vec![
                CalendarEntrySpec::Text("2026-13-01".into()),
                CalendarEntrySpec::Text("2026-07-05..2026-07-01".into()),
            ],
            ..CalendarSpec::default()
        };
        let errors = Calendar::parse(&bad).expect_err("invalid");
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].to_string(),
            r#"dates: "2026-13-01": not a date (YYYY-MM-DD)"#
        );
    }
}
