//! Settings changed at run time (by admins), as JSON values under string keys.

use crate::time::to_ms;
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT value FROM settings WHERE key = $1"
        )
        .bind(key)
        .fetch_optional(p)
        .await)?;
        row.map(|(v,)| {
            serde_json::from_str(&v).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))
        })
        .transpose()
    }

    pub async fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
        )
        .bind(key)
        .bind(value.to_string())
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Stores `value` unless the key already has one, and returns the stored value: of
    /// several replicas racing to create a setting, all end up with the first one's.
    pub async fn setting_or_insert(
        &self,
        key: &str,
        value: &serde_json::Value,
        now: Timestamp,
    ) -> Result<serde_json::Value, StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value.to_string())
            .bind(to_ms(now))
            .execute(p)
            .await
            .map(|_| ())
        })?;
        self.setting(key)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("setting {key} vanished")))
    }
}
