//! The grammar shared by `weekdays`, `monthdays` and `months`: comma lists of terms such as
//! `*`, `3`, `mon`, `L`, `mon-fri`, `1/7`, `fri-mon/2`, `mon#2`, `friL`, `15W`.
//!
//! Terms are parsed into [`Term`] here; each field then checks which forms it allows and
//! compiles them into bitmasks. Range and step expansion follows upstream's
//! `_range_to_discrete_values` exactly, wrapping included.

use crate::error::FieldError;

/// The domain of one field: its smallest and largest value and its names.
pub(crate) struct Domain {
    pub field: &'static str,
    pub min: u8,
    pub max: u8,
    pub names: &'static [(&'static str, u8)],
}

/// The end of a range: a value, `L` as written, or none written (`mon/2`, `*/3`), which
/// runs to the domain's end as `L` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeEnd {
    Value(u8),
    Last,
    Open,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    /// `*` or `?`.
    All,
    Value(u8),
    /// `L` alone.
    Last,
    /// `a-b`, `a/s` (to the domain's end), `a-b/s`, `*/s`.
    Range {
        start: u8,
        end: RangeEnd,
        step: u8,
    },
    /// `mon#2`: the n-th such weekday of the month.
    Nth {
        weekday: u8,
        n: u8,
    },
    /// `friL`: the last such weekday of the month.
    LastWeekday(u8),
    /// `15W`: the weekday nearest that day of the month.
    NearestWeekday(u8),
}

impl Domain {
    pub fn err(&self, token: &str, message: impl Into<String>) -> FieldError {
        FieldError::new(self.field, Some(token), message)
    }

    /// Splits a comma list and parses every term: the good terms, and an error for each bad one.
    pub fn parse_list<'t>(&self, text: &'t str) -> (Vec<(&'t str, Term)>, Vec<FieldError>) {
        let mut terms = Vec::new();
        let mut errors = Vec::new();
        for raw in text.split(',') {
            let raw = raw.trim();
            match self.parse_term(raw) {
                Ok(t) => terms.push((raw, t)),
                Err(e) => errors.push(e),
            }
        }
        (terms, errors)
    }

    fn parse_term(&self, token: &str) -> Result<Term, FieldError> {
        let lower = token.to_ascii_lowercase();
        let t = lower.as_str();
        if t.is_empty() {
            return Err(self.err(token, "empty term"));
        }
        if t == "*" || t == "?" {
            return Ok(Term::All);
        }
        if t == "l" {
            return Ok(Term::Last);
        }
        if let Some((range, step)) = t.split_once('/') {
            let step = step.trim();
            if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
                return Err(self.err(token, "step must be a number"));
            }
            let step: u8 = step
                .parse()
                .map_err(|_| self.err(token, "step is too large"))?;
            if step == 0 {
                return Err(self.err(token, "step must be at least 1"));
            }
            let range = range.trim();
            let (start, end) = if range == "*" {
                (self.min, RangeEnd::Open)
            } else if let Some((a, b)) = range.split_once('-') {
                (self.start_value(token, a)?, self.end_value(token, b)?)
            } else {
                (self.start_value(token, range)?, RangeEnd::Open)
            };
            return Ok(Term::Range { start, end, step });
        }
        if let Some((a, b)) = t.split_once('-') {
            return Ok(Term::Range {
                start: self.start_value(token, a)?,
                end: self.end_value(token, b)?,
                step: 1,
            });
        }
        if let Some((day, n)) = t.split_once('#') {
            let weekday = self.value(token, day.trim())?;
            let n = n.trim();
            let n: u8 = n
                .parse()
                .map_err(|_| self.err(token, "the number after # must be 1 to 5"))?;
            return Ok(Term::Nth { weekday, n });
        }
        // A plain value first: names such as `jul` and `april` end in letters that also
        // mark the `L` and `W` forms.
        let plain = self.value(token, t);
        if plain.is_ok() {
            return plain.map(Term::Value);
        }
        if let Some(day) = t.strip_suffix('l') {
            return Ok(Term::LastWeekday(self.value(token, day.trim())?));
        }
        if let Some(day) = t.strip_suffix('w') {
            let day = day.trim();
            if !day.is_empty() && day.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Term::NearestWeekday(self.value(token, day)?));
            }
        }
        plain.map(Term::Value)
    }

    fn start_value(&self, token: &str, text: &str) -> Result<u8, FieldError> {
        let text = text.trim();
        if text == "l" {
            return Err(self.err(token, "a range cannot start with L"));
        }
        self.value(token, text)
    }

    fn end_value(&self, token: &str, text: &str) -> Result<RangeEnd, FieldError> {
        let text = text.trim();
        if text == "l" {
            return Ok(RangeEnd::Last);
        }
        self.value(token, text).map(RangeEnd::Value)
    }

    /// A number or a name, checked against the domain.
    fn value(&self, token: &str, text: &str) -> Result<u8, FieldError> {
        let value = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u8>().ok()
        } else {
            self.names.iter().find(|(n, _)| *n == text).map(|(_, v)| *v)
        };
        match value {
            Some(v) if (self.min..=self.max).contains(&v) => Ok(v),
            Some(_) => Err(self.err(token, format!("value must be {} to {}", self.min, self.max))),
            None if self.names.is_empty() => Err(self.err(token, "not a number")),
            None => Err(self.err(token, "not a number or a name")),
        }
    }

    /// The values a range covers, as a bitmask (bit `v` for value `v`), wrapping when the
    /// start is after the end. `end_value` is what `L` stands for.
    pub fn expand(&self, start: u8, end: RangeEnd, step: u8) -> u64 {
        let end = match end {
            RangeEnd::Value(v) => v,
            RangeEnd::Last | RangeEnd::Open => self.max,
        };
        let (start, end, step, width) = (
            start as u32,
            end as u32,
            step as u32,
            (self.max - self.min) as u32 + 1,
        );
        let mut mask = 0u64;
        let mut wrap = start > end;
        let mut p = start;
        while wrap || p <= end {
            if (self.min as u32..=self.max as u32).contains(&p) {
                mask |= 1 << p;
            }
            p += step;
            if wrap && p > self.max as u32 {
                p -= width;
                wrap = false;
            }
        }
        mask
    }
}
