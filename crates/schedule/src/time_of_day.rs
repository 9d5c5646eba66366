//! Wall-clock times of day as written in periods (`9:00`, `17:30`).

use crate::error::FieldError;
use std::fmt;

pub const SECONDS_PER_DAY: u32 = 86_400;

/// A time of day to the second, `0..86_400`. Periods write minutes; seconds exist so that
/// evaluation can compare instants exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u32);

impl TimeOfDay {
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);

    pub fn from_seconds(seconds: u32) -> Option<TimeOfDay> {
        (seconds < SECONDS_PER_DAY).then_some(TimeOfDay(seconds))
    }

    pub fn seconds(self) -> u32 {
        self.0
    }

    /// Parses `H:MM` or `HH:MM`, 24-hour, as upstream accepts (`^([01]?\d|2[0-3]):[0-5]\d$`).
    pub fn parse(field: &str, text: &str) -> Result<TimeOfDay, FieldError> {
        let err = |msg: &str| FieldError::new(field, Some(text), msg);
        let (h, m) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| err("must be a time as HH:MM"))?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) || h.len() > 2 || m.len() != 2 {
            return Err(err("must be a time as HH:MM"));
        }
        let (h, m): (u32, u32) = (
            h.parse().map_err(|_| err("hour is not a number"))?,
            m.parse().map_err(|_| err("minute is not a number"))?,
        );
        if h > 23 {
            return Err(err("hour must be 0 to 23"));
        }
        if m > 59 {
            return Err(err("minute must be 00 to 59"));
        }
        Ok(TimeOfDay(h * 3600 + m * 60))
    }

    pub fn to_civil(self) -> jiff::civil::Time {
        let s = self.0;
        jiff::civil::Time::constant((s / 3600) as i8, ((s / 60) % 60) as i8, (s % 60) as i8, 0)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 3600, (self.0 / 60) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_upstream_forms() {
        assert_eq!(
            TimeOfDay::parse("t", "9:00").map(|t| t.seconds()),
            Ok(9 * 3600)
        );
        assert_eq!(
            TimeOfDay::parse("t", "09:05").map(|t| t.seconds()),
            Ok(9 * 3600 + 300)
        );
        assert_eq!(
            TimeOfDay::parse("t", "23:59").map(|t| t.to_string()),
            Ok("23:59".into())
        );
    }

    #[test]
    fn rejects_bad_times_naming_the_token() {
        for bad in ["24:00", "9", "9:5", "ab:cd", "", "12:60", "123:00"] {
            let e = TimeOfDay::parse("begintime", bad).expect_err(bad);
            assert_eq!(e.field, "begintime");
            assert_eq!(e.token.as_deref(), Some(bad));
        }
    }
}
