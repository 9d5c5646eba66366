//! Leases: a row per piece of shared work with its holder and expiry.

use crate::time::to_ms;
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::BTreeMap;

impl Store {
    /// Takes or renews the lease `name` for `holder` until `until`; true if `holder` now
    /// holds it. One conditional upsert, so two replicas can never both win.
    pub async fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $3 \
             WHERE leases.holder = $2 OR leases.expires_at <= $4"
        )
        .bind(name)
        .bind(holder)
        .bind(to_ms(until))
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Gives the lease up (on shutdown), so another replica need not wait for it to lapse.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM leases WHERE name = $1 AND holder = $2"
        )
        .bind(name)
        .bind(holder)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The leases whose name starts with `prefix` and that have not expired at `now`:
    /// name → holder.
    pub async fn live_leases(
        &self,
        prefix: &str,
        now: Timestamp,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT name, holder FROM leases WHERE substr(name, 1, $1) = $2 AND expires_at > $3"
        )
        .bind(prefix.len() as i32)
        .bind(prefix)
        .bind(to_ms(now))
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().collect())
    }
}
