//! Reminders sent before scheduled stops, one per resource and stop.

use crate::time::to_ms;
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;

impl Store {
    /// Claims the reminder for `resource`'s stop at `stop_at`: true for the one caller
    /// (of any replica) that should send it, false when it was already claimed.
    pub async fn claim_reminder(
        &self,
        resource: &str,
        stop_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "INSERT INTO reminders_sent (resource, stop_at, sent_at) VALUES ($1, $2, $3) \
             ON CONFLICT (resource, stop_at) DO NOTHING"
        )
        .bind(resource)
        .bind(to_ms(stop_at))
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Gives a claimed reminder back when it could not be sent, so a later pass tries again.
    pub async fn release_reminder(
        &self,
        resource: &str,
        stop_at: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM reminders_sent WHERE resource = $1 AND stop_at = $2"
        )
        .bind(resource)
        .bind(to_ms(stop_at))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
