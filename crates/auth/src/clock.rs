//! The time every request sees. Production reads the system clock; tests move it forward
//! (lockout delays, token expiry, temporary-password expiry) without sleeping.

use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The system clock plus an offset that only tests change. Cheap to clone; clones share
/// the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `at` now and runs on from there (replays at a given instant).
    pub fn starting_at(at: Timestamp) -> Clock {
        let clock = Clock::default();
        clock.advance(at.duration_since(Timestamp::now()));
        clock
    }

    pub fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        Timestamp::now()
            .saturating_add(offset)
            .unwrap_or(Timestamp::MAX)
    }

    /// Moves this clock (and all its clones) forward by `by`.
    pub fn advance(&self, by: SignedDuration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let clock = Clock::system();
        let other = clock.clone();
        clock.advance(SignedDuration::from_hours(1));
        let ahead = other.now().as_second() - Timestamp::now().as_second();
        assert!((3599..=3601).contains(&ahead), "{ahead}");
    }
}
