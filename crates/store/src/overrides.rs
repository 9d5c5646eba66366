//! Expiring per-resource overrides.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredOverride {
    /// `running` or `stopped`.
    pub state: String,
    pub until: Timestamp,
    pub created_by: String,
}

impl Store {
    /// resource → override, expired ones included (the scheduler clears those).
    pub async fn overrides(&self) -> Result<HashMap<String, StoredOverride>, StoreError> {
        let rows: Vec<(String, String, i64, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT resource, state, until, created_by FROM resource_overrides"
        )
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(r, state, until, created_by)| {
                Ok((
                    r,
                    StoredOverride {
                        state,
                        until: from_ms(until)?,
                        created_by,
                    },
                ))
            })
            .collect()
    }

    pub async fn set_override(
        &self,
        resource: &str,
        o: &StoredOverride,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO resource_overrides (resource, state, until, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (resource) DO UPDATE SET state = $2, until = $3, created_by = $4, created_at = $5"
        )
        .bind(resource)
        .bind(&o.state)
        .bind(to_ms(o.until))
        .bind(&o.created_by)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Removes the resource's override; false if it had none.
    pub async fn clear_override(&self, resource: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "DELETE FROM resource_overrides WHERE resource = $1"
        )
        .bind(resource)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
