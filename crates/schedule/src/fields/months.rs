//! `months`: names, numbers 1–12, ranges (wrapping, `nov-feb`) and steps (`1/3`).

use super::terms::{Domain, RangeEnd, Term};
use crate::error::FieldError;
use jiff::civil::Date;

const DOMAIN: Domain = Domain {
    field: "months",
    min: 1,
    max: 12,
    names: &[
        ("january", 1),
        ("jan", 1),
        ("february", 2),
        ("feb", 2),
        ("march", 3),
        ("mar", 3),
        ("april", 4),
        ("apr", 4),
        ("may", 5),
        ("june", 6),
        ("jun", 6),
        ("july", 7),
        ("jul", 7),
        ("august", 8),
        ("aug", 8),
        ("september", 9),
        ("sep", 9),
        ("october", 10),
        ("oct", 10),
        ("november", 11),
        ("nov", 11),
        ("december", 12),
        ("dec", 12),
    ],
};

/// Which months a period runs; bit `m` is month `m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSet(u16);

impl MonthSet {
    pub const ALL: MonthSet = MonthSet(0x1ffe);

    pub fn parse(text: &str) -> Result<MonthSet, Vec<FieldError>> {
        let mut mask = 0u16;
        let (terms, mut errors) = DOMAIN.parse_list(text);
        for (token, term) in terms {
            match term {
                Term::All => mask = Self::ALL.0,
                Term::Value(v) => mask |= 1 << v,
                // `*/3` and `jan/3` end at December implicitly; a written `L` is refused, as
                // upstream does.
                Term::Range {
                    end: RangeEnd::Last,
                    ..
                } => errors.push(DOMAIN.err(token, "L is not allowed in months")),
                Term::Range { start, end, step } => mask |= DOMAIN.expand(start, end, step) as u16,
                Term::Last => errors.push(DOMAIN.err(token, "L is not allowed in months")),
                Term::Nth { .. } | Term::LastWeekday(_) | Term::NearestWeekday(_) => {
                    errors.push(DOMAIN.err(
                        token,
                        "weekday and monthday forms are not allowed in months",
                    ))
                }
            }
        }
        if errors.is_empty() {
            Ok(MonthSet(mask))
        } else {
            Err(errors)
        }
    }

    pub fn matches(&self, date: Date) -> bool {
        self.0 & (1 << date.month()) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn months(text: &str) -> Vec<i8> {
        let set = MonthSet::parse(text).expect(text);
        (1..=12)
            .filter(|m| set.matches(date(2026, *m, 1)))
            .collect()
    }

    #[test]
    fn forms() {
        assert_eq!(months("jan"), vec![1]);
        assert_eq!(months("nov-feb"), vec![1, 2, 11, 12]);
        assert_eq!(months("1/3"), vec![1, 4, 7, 10]);
        assert_eq!(months("July, April"), vec![4, 7]);
        assert_eq!(months("*/6"), vec![1, 7]);
        assert!(MonthSet::parse("L").is_err());
        assert!(MonthSet::parse("jan-L").is_err());
        assert!(MonthSet::parse("13").is_err());
    }
}
