//! One counter for every change the scheduler must act on (definitions, overrides,
//! assignments). Each replica reads it often: a cheap primary-key lookup that lets a change
//! made through any replica, or through the CLI on the same database, be acted on at once.

use crate::time::to_ms;
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;

/// Adds one to the counter (creating it); `$1` is the time of the change.
const BUMP: &str = "INSERT INTO settings (key, value, updated_at) VALUES ('change_counter', '1', $1) \
     ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT), updated_at = $1";

impl Store {
    /// Announces a change to every replica.
    pub async fn bump_change_counter(&self, now: Timestamp) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(BUMP)
            .bind(to_ms(now))
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A number that grows with every change (0 before the first).
    pub async fn change_counter(&self) -> Result<i64, StoreError> {
        Ok(self
            .setting("change_counter")
            .await?
            .and_then(|v| v.as_i64())
            .unwrap_or(0))
    }
}
