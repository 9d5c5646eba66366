//! How isched's AWS calls are retried and timed out: attempts per call, the first backoff,
//! and timeouts per attempt and per call. A hung attempt is given up after
//! `aws_attempt_timeout_secs` and retried, instead of holding a pass for the whole call
//! timeout.

use super::{Problem, Raw};
use std::time::Duration;

pub(super) const KEYS: &[&str] = &[
    "aws_max_attempts",
    "aws_initial_backoff_ms",
    "aws_attempt_timeout_secs",
    "aws_call_timeout_secs",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsCalls {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First retry delay; later ones grow exponentially, with jitter.
    pub initial_backoff: Duration,
    /// One attempt, from sending the request to reading the whole answer.
    pub attempt_timeout: Duration,
    /// One call, every attempt and backoff included.
    pub call_timeout: Duration,
}

pub(super) fn parse(raw: &Raw, problems: &mut Vec<Problem>) -> Option<AwsCalls> {
    let max_attempts = raw.number("aws_max_attempts", 5, 1, 20, problems);
    let backoff = raw.number("aws_initial_backoff_ms", 1000, 1, 60_000, problems);
    let attempt = raw.number("aws_attempt_timeout_secs", 20, 1, 600, problems);
    let call = raw.number("aws_call_timeout_secs", 60, 1, 3600, problems);
    let calls = AwsCalls {
        max_attempts: max_attempts? as u32,
        initial_backoff: Duration::from_millis(backoff?),
        attempt_timeout: Duration::from_secs(attempt?),
        call_timeout: Duration::from_secs(call?),
    };
    if calls.attempt_timeout > calls.call_timeout {
        problems.push(Problem {
            key: raw
                .get("aws_attempt_timeout_secs")
                .map_or("aws_attempt_timeout_secs", |(_, s)| s)
                .into(),
            message: format!(
                "{} s is longer than the call timeout (aws_call_timeout_secs, {} s)",
                calls.attempt_timeout.as_secs(),
                calls.call_timeout.as_secs()
            ),
        });
        return None;
    }
    Some(calls)
}
