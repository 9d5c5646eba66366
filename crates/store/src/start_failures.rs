//! Failed starts in a row per resource (see the engine's `retries`): kept in the database
//! so that a restart, or a lease moving to another replica, continues the backoff where it
//! was instead of starting it over (and reporting the same failure again).

use crate::time::to_ms;
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashMap;

/// What a pass changes in the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// Resource key → failed starts in a row, as they now are.
    pub set: Vec<(String, u32)>,
    /// Resources whose start succeeded (or that no longer need one).
    pub cleared: Vec<String>,
}

impl FailureCounts {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.cleared.is_empty()
    }
}

impl Store {
    /// The count of every resource whose last start failed.
    pub async fn start_failures(&self) -> Result<HashMap<String, u32>, StoreError> {
        let rows: Vec<(String, i64)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT resource, failures FROM start_failures"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(r, n)| (r, u32::try_from(n).unwrap_or(u32::MAX)))
            .collect())
    }

    /// Writes a pass's changes in one transaction, and forgets counts not updated since
    /// `forget_before` (a resource that keeps failing is counted at every resync, so an
    /// older row belongs to a resource that is gone).
    pub async fn record_start_failures(
        &self,
        changes: &FailureCounts,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for (resource, failures) in &changes.set {
                sqlx::query(
                    "INSERT INTO start_failures (resource, failures, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (resource) DO UPDATE SET failures = excluded.failures, updated_at = excluded.updated_at",
                )
                .bind(resource)
                .bind(i64::from(*failures))
                .bind(to_ms(now))
                .execute(&mut *tx)
                .await?;
            }
            for resource in &changes.cleared {
                sqlx::query("DELETE FROM start_failures WHERE resource = $1")
                    .bind(resource)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM start_failures WHERE updated_at < $1")
                .bind(to_ms(forget_before))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
