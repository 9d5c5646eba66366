//! The audit log: append-only (the database refuses updates and deletes).

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use serde::Serialize;

/// Who did it: a user id, or `system` for isched itself.
pub const SYSTEM_ACTOR: &str = "system";

pub struct NewAuditEntry<'a> {
    pub at: Timestamp,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: serde_json::Value,
}

/// Which entries to list; each field given narrows the list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A user id, or [`SYSTEM_ACTOR`].
    pub actor: Option<String>,
    /// `user.` keeps `user.created`, `user.disabled`…
    pub action_prefix: Option<String>,
    pub target: Option<String>,
}

/// `prefix` as a LIKE pattern that matches it literally at the start (`_` and `%` are
/// common in action names and would otherwise be wildcards).
fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 2);
    for c in prefix.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    target: Option<String>,
    detail: String,
}

impl Store {
    pub async fn append_audit(&self, entry: NewAuditEntry<'_>) -> Result<i64, StoreError> {
        let detail = entry.detail.to_string();
        let (id,): (i64,) = on_pool!(self, |p| {
            sqlx::query_as(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(to_ms(entry.at))
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.target)
        .bind(&detail)
        .fetch_one(p)
        .await
        })?;
        Ok(id)
    }

    /// Newest first; `before` pages backwards by id.
    pub async fn list_audit(
        &self,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.list_audit_filtered(limit, before, &AuditFilter::default())
            .await
    }

    /// [`Store::list_audit`], only the entries `filter` keeps.
    pub async fn list_audit_filtered(
        &self,
        limit: u32,
        before: Option<i64>,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let action = filter.action_prefix.as_deref().map(like_prefix);
        let rows: Vec<AuditRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id, at, actor, action, target, detail FROM audit_log \
             WHERE id < $1 AND ($2 IS NULL OR actor = $2) \
             AND ($3 IS NULL OR action LIKE $3 ESCAPE '\\') \
             AND ($4 IS NULL OR target = $4) ORDER BY id DESC LIMIT $5"
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(filter.actor.as_deref())
        .bind(action.as_deref())
        .bind(filter.target.as_deref())
        .bind(limit as i64)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.id,
                    at: from_ms(r.at)?,
                    detail: serde_json::from_str(&r.detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
                    actor: r.actor,
                    action: r.action,
                    target: r.target,
                })
            })
            .collect()
    }
}
