//! `weekdays`: names, numbers 0–6 with 0 = Monday, ranges (wrapping), steps, `L` (Sunday),
//! `friL` (last Friday of the month) and `mon#2` (second Monday).

use super::terms::{Domain, Term};
use crate::error::FieldError;
use jiff::civil::Date;

const DOMAIN: Domain = Domain {
    field: "weekdays",
    min: 0,
    max: 6,
    names: &[
        ("monday", 0),
        ("mon", 0),
        ("tuesday", 1),
        ("tue", 1),
        ("wednesday", 2),
        ("wed", 2),
        ("thursday", 3),
        ("thu", 3),
        ("friday", 4),
        ("fri", 4),
        ("saturday", 5),
        ("sat", 5),
        ("sunday", 6),
        ("sun", 6),
    ],
};

/// Which days of the week a period runs, compiled to bitmasks (bit 0 = Monday).
///
/// Upstream rejects `L` as a range end (`mon-L`); we read it as Sunday, the same day `L`
/// alone means, since the meaning is unambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekdaySet {
    every: u8,
    last_of_month: u8,
    /// `nth[k]`: weekdays whose (k+1)-th occurrence in the month matches.
    nth: [u8; 5],
}

impl WeekdaySet {
    pub const ALL: WeekdaySet = WeekdaySet {
        every: 0x7f,
        last_of_month: 0,
        nth: [0; 5],
    };

    pub fn parse(text: &str) -> Result<WeekdaySet, Vec<FieldError>> {
        let mut set = WeekdaySet {
            every: 0,
            last_of_month: 0,
            nth: [0; 5],
        };
        let (terms, mut errors) = DOMAIN.parse_list(text);
        for (token, term) in terms {
            match term {
                Term::All => set.every = 0x7f,
                Term::Value(v) => set.every |= 1 << v,
                Term::Last => set.every |= 1 << 6,
                Term::Range { start, end, step } => {
                    set.every |= DOMAIN.expand(start, end, step) as u8
                }
                Term::Nth { weekday, n } if (1..=5).contains(&n) => {
                    set.nth[n as usize - 1] |= 1 << weekday
                }
                Term::Nth { .. } => {
                    errors.push(DOMAIN.err(token, "the number after # must be 1 to 5"))
                }
                Term::LastWeekday(w) => set.last_of_month |= 1 << w,
                Term::NearestWeekday(_) => {
                    errors.push(DOMAIN.err(token, "W (nearest weekday) belongs in monthdays"))
                }
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    pub fn matches(&self, date: Date) -> bool {
        let bit = 1u8 << date.weekday().to_monday_zero_offset();
        if self.every & bit != 0 {
            return true;
        }
        let day = date.day();
        if self.last_of_month & bit != 0 && day + 7 > date.days_in_month() {
            return true;
        }
        self.nth[((day - 1) / 7) as usize] & bit != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn days(text: &str) -> Vec<i8> {
        let set = WeekdaySet::parse(text).expect(text);
        // 2026-06-01 is a Monday; June 2026 has 30 days.
        (1..=30)
            .filter(|d| set.matches(date(2026, 6, *d)))
            .collect()
    }

    #[test]
    fn names_numbers_ranges_and_steps() {
        assert_eq!(days("mon"), vec![1, 8, 15, 22, 29]);
        assert_eq!(days("0"), days("monday"));
        assert_eq!(days("L"), days("sun"));
        assert_eq!(days("mon/2"), days("mon,wed,fri,sun"));
        assert_eq!(days("fri/2"), days("fri,sun"));
        assert_eq!(days("fri-mon"), days("fri,sat,sun,mon"));
        assert_eq!(days("fri-mon/2"), days("fri,sun"));
        assert_eq!(days(" MON - Fri "), days("0-4"));
    }

    #[test]
    fn month_relative_forms() {
        assert_eq!(days("mon#2"), vec![8]);
        assert_eq!(days("mon#5"), vec![29]);
        assert_eq!(days("tue#5"), vec![30]);
        assert_eq!(days("wed#5"), Vec::<i8>::new());
        assert_eq!(days("friL"), vec![26]);
        assert_eq!(days("4L"), vec![26]);
    }

    #[test]
    fn errors_name_the_term() {
        let errors = WeekdaySet::parse("mon-fri/x, funday, mon#6").expect_err("bad");
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                r#"weekdays: "mon-fri/x": step must be a number"#,
                r#"weekdays: "funday": not a number or a name"#,
                r#"weekdays: "mon#6": the number after # must be 1 to 5"#,
            ]
        );
        assert!(WeekdaySet::parse("7").is_err());
        assert!(WeekdaySet::parse("L-3").is_err());
        assert!(WeekdaySet::parse("").is_err());
        assert!(WeekdaySet::parse("mon/0").is_err());
    }
}
