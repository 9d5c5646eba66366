//! Per-account sign-in throttling: after 5 consecutive failures each further failure locks
//! the email for 2, 4, 8 ... seconds, at most 15 minutes (Cognito's scheme).

use jiff::SignedDuration;

pub const FREE_ATTEMPTS: i64 = 5;
pub const MAX_DELAY: SignedDuration = SignedDuration::from_mins(15);

/// How long to lock after the `failures`-th consecutive failure, if at all.
pub fn delay_after(failures: i64) -> Option<SignedDuration> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let exponent = (failures - FREE_ATTEMPTS + 1).min(20) as u32;
    Some(SignedDuration::from_secs(1_i64 << exponent).min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_two_seconds_up_to_fifteen_minutes() {
        let secs: Vec<Option<i64>> = (1..=16)
            .map(|n| delay_after(n).map(|d| d.as_secs()))
            .collect();
        assert_eq!(&secs[..4], &[None; 4]);
        assert_eq!(
            &secs[4..],
            &[
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(64),
                Some(128),
                Some(256),
                Some(512),
                Some(900),
                Some(900),
                Some(900)
            ]
        );
        assert_eq!(delay_after(i64::MAX), Some(MAX_DELAY));
    }
}
