//! `monthdays`: numbers 1–31, ranges that never wrap (`N-L` runs to the month's last day),
//! steps, `L` (last day) and `15W` (the weekday nearest the 15th, within the month).

use super::terms::{Domain, RangeEnd, Term};
use crate::error::FieldError;
use jiff::civil::{Date, Weekday};

const DOMAIN: Domain = Domain {
    field: "monthdays",
    min: 1,
    max: 31,
    names: &[],
};

/// Which days of the month a period runs. Bit `d` of `days` is day `d`. A day beyond a
/// month's length never occurs, so `N-L` and `N-31` are the same set, and `30-L` matches
/// nothing in February, as upstream says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthdaySet {
    days: u32,
    last: bool,
    /// Bit `d`: `dW`. Days 29–31 match nothing in months that lack them (upstream crashes).
    nearest_weekday: u32,
}

impl MonthdaySet {
    pub const ALL: MonthdaySet = MonthdaySet {
        days: !1,
        last: false,
        nearest_weekday: 0,
    };

    pub fn parse(text: &str) -> Result<MonthdaySet, Vec<FieldError>> {
        let mut set = MonthdaySet {
            days: 0,
            last: false,
            nearest_weekday: 0,
        };
        let (terms, mut errors) = DOMAIN.parse_list(text);
        for (token, term) in terms {
            match term {
                Term::All => set.days = Self::ALL.days,
                Term::Value(v) => set.days |= 1 << v,
                Term::Last => set.last = true,
                Term::Range {
                    start,
                    end: RangeEnd::Value(end),
                    ..
                } if start > end => errors.push(DOMAIN.err(
                    token,
                    "monthday ranges do not wrap: the start must not be after the end",
                )),
                Term::Range { start, end, step } => {
                    set.days |= DOMAIN.expand(start, end, step) as u32
                }
                Term::NearestWeekday(d) => set.nearest_weekday |= 1 << d,
                Term::Nth { .. } | Term::LastWeekday(_) => errors.push(DOMAIN.err(
                    token,
                    "a weekday form (# or L after a day) belongs in weekdays",
                )),
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    pub fn matches(&self, date: Date) -> bool {
        let day = date.day() as u32;
        if self.days & (1 << day) != 0 {
            return true;
        }
        let last = date.days_in_month() as u32;
        if self.last && day == last {
            return true;
        }
        if self.nearest_weekday != 0 {
            // Only days within two of `day` can resolve to it.
            let lo = day.saturating_sub(2).max(1);
            for n in lo..=(day + 2).min(last) {
                if self.nearest_weekday & (1 << n) != 0 && nearest_weekday(date, n, last) == day {
                    return true;
                }
            }
        }
        false
    }
}

/// Upstream's `resolve_nearest_weekday_as_monthday`: Saturday moves to Friday (or to Monday
/// the 3rd when it is the 1st), Sunday to Monday (or to Friday when it is the last day).
fn nearest_weekday(date: Date, n: u32, last: u32) -> u32 {
    let target = date.first_of_month().weekday().wrapping_add(n as i32 - 1);
    match target {
        Weekday::Saturday if n == 1 => 3,
        Weekday::Saturday => n - 1,
        Weekday::Sunday if n == last => n - 2,
        Weekday::Sunday => n + 1,
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn days(text: &str, year: i16, month: i8) -> Vec<i8> {
        let set = MonthdaySet::parse(text).expect(text);
        let first = date(year, month, 1);
        (1..=first.days_in_month())
            .filter(|d| set.matches(date(year, month, *d)))
            .collect()
    }

    #[test]
    fn plain_forms() {
        assert_eq!(days("1/7", 2026, 6), vec![1, 8, 15, 22, 29]);
        assert_eq!(days("3-20/4", 2026, 6), vec![3, 7, 11, 15, 19]);
        assert_eq!(days("L", 2028, 2), vec![29]);
        assert_eq!(days("28-L", 2027, 2), vec![28]);
        assert_eq!(days("30-L", 2027, 2), Vec::<i8>::new());
        assert_eq!(days("31", 2026, 6), Vec::<i8>::new());
    }

    #[test]
    fn nearest_weekday_rules() {
        // 2026-08-01 is a Saturday: 1W moves forward to Monday the 3rd.
        assert_eq!(days("1W", 2026, 8), vec![3]);
        // 2026-08-15 is a Saturday: 15W is Friday the 14th.
        assert_eq!(days("15W", 2026, 8), vec![14]);
        // 2026-08-16 is a Sunday: 16W is Monday the 17th.
        assert_eq!(days("16W", 2026, 8), vec![17]);
        // 2026-05-31 is a Sunday and the last day: 31W is Friday the 29th.
        assert_eq!(days("31W", 2026, 5), vec![29]);
        assert_eq!(days("31W", 2026, 6), Vec::<i8>::new());
    }

    #[test]
    fn rejects_wrapping_and_weekday_forms() {
        assert!(MonthdaySet::parse("20-10").is_err());
        assert!(MonthdaySet::parse("mon#2").is_err());
        assert!(MonthdaySet::parse("32").is_err());
        assert!(MonthdaySet::parse("0").is_err());
        assert!(MonthdaySet::parse("L-5").is_err());
    }
}
