//! The scheduler's memory: last desired state per resource, and the action history.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashMap;

/// What the scheduler remembers of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMemory {
    pub schedule: String,
    pub last_desired: String,
    /// The reason of the last decision, so that a repeated non-action is recorded once.
    pub last_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub resource: String,
    pub schedule: Option<String>,
    pub action: String,
    /// `ok`, `failed: ...`, `skipped` or `planned`.
    pub outcome: String,
    pub reason: String,
}

impl HistoryEntry {
    /// Whether the action's outcome is recorded: a pass writes its actions [`IN_PROGRESS`]
    /// before it calls the cloud, and settles them once the cloud has answered.
    pub fn is_settled(&self) -> bool {
        self.outcome != IN_PROGRESS
    }
}

/// Rows per multi-row INSERT: 6 parameters each stays far below SQLite's and Postgres's
/// limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 500;

/// What a scheduler pass writes: overrides that expired, history entries, and the new
/// memory of the resources whose memory changed.
#[derive(Debug, Clone, Default)]
pub struct PassRecord {
    pub at: Timestamp,
    pub cleared_overrides: Vec<String>,
    pub history: Vec<HistoryEntry>,
    pub states: Vec<(String, ResourceMemory)>,
    /// Resources seen running (or started) with no open running interval: one opens.
    pub started_running: Vec<String>,
    /// Resources with an open interval seen stopped or gone: it closes.
    pub stopped_running: Vec<String>,
    /// Resources whose actions in progress (history entries with the outcome
    /// [`IN_PROGRESS`]) this pass settles: those rows give way to the pass's own entries.
    pub settled: Vec<String>,
}

/// The outcome of a history entry written before its action was made: the pass that wrote
/// it has not recorded how the action went (yet, or ever, if it was killed).
pub const IN_PROGRESS: &str = "in progress";

impl PassRecord {
    pub fn is_empty(&self) -> bool {
        self.cleared_overrides.is_empty()
            && self.history.is_empty()
            && self.states.is_empty()
            && self.started_running.is_empty()
            && self.stopped_running.is_empty()
            && self.settled.is_empty()
    }
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    at: i64,
    resource: String,
    schedule: Option<String>,
    action: String,
    outcome: String,
    reason: String,
}

impl Store {
    /// Every resource's stored state.
    pub async fn resource_states(&self) -> Result<HashMap<String, ResourceMemory>, StoreError> {
        let rows: Vec<(String, String, String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT resource, schedule, last_desired, last_reason FROM resource_states"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(r, schedule, last_desired, last_reason)| {
                (
                    r,
                    ResourceMemory {
                        schedule,
                        last_desired,
                        last_reason,
                    },
                )
            })
            .collect())
    }

    /// Everything one scheduler pass learnt, in one transaction: one disk sync for a pass
    /// over thousands of resources instead of one per row, and no half-recorded pass.
    pub async fn record_pass(&self, pass: &PassRecord) -> Result<(), StoreError> {
        if pass.is_empty() {
            return Ok(());
        }
        let now = to_ms(pass.at);
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for resource in &pass.cleared_overrides {
                sqlx::query("DELETE FROM resource_overrides WHERE resource = $1")
                    .bind(resource)
                    .execute(&mut *tx)
                    .await?;
            }
            for chunk in pass.settled.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "DELETE FROM resource_history WHERE outcome = 'in progress' AND resource IN (",
                );
                let mut list = q.separated(", ");
                for resource in chunk {
                    list.push_bind(resource);
                }
                q.push(")");
                q.build().execute(&mut *tx).await?;
            }
            // Many rows per statement: a pass over thousands of resources makes a few
            // round trips to the database instead of one per row.
            for chunk in pass.history.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO resource_history (at, resource, schedule, action, outcome, reason) ",
                );
                q.push_values(chunk, |mut row, e| {
                    row.push_bind(to_ms(e.at))
                        .push_bind(&e.resource)
                        .push_bind(&e.schedule)
                        .push_bind(&e.action)
                        .push_bind(&e.outcome)
                        .push_bind(&e.reason);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in pass.states.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO resource_states (resource, schedule, last_desired, last_reason, updated_at) ",
                );
                q.push_values(chunk, |mut row, (resource, memory)| {
                    row.push_bind(resource)
                        .push_bind(&memory.schedule)
                        .push_bind(&memory.last_desired)
                        .push_bind(&memory.last_reason)
                        .push_bind(now);
                });
                q.push(
                    " ON CONFLICT (resource) DO UPDATE SET schedule = excluded.schedule, last_desired = excluded.last_desired, \
                     last_reason = excluded.last_reason, updated_at = excluded.updated_at",
                );
                q.build().execute(&mut *tx).await?;
            }
            for resource in &pass.started_running {
                sqlx::query("INSERT INTO running_intervals (resource, started_at) VALUES ($1, $2)")
                    .bind(resource)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            for resource in &pass.stopped_running {
                sqlx::query(
                    "UPDATE running_intervals SET ended_at = $2 WHERE resource = $1 AND ended_at IS NULL",
                )
                .bind(resource)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn append_history(&self, e: &HistoryEntry) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO resource_history (at, resource, schedule, action, outcome, reason) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(to_ms(e.at))
        .bind(&e.resource)
        .bind(&e.schedule)
        .bind(&e.action)
        .bind(&e.outcome)
        .bind(&e.reason)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// A resource's history, oldest first.
    pub async fn history(&self, resource: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows: Vec<HistoryRow> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT at, resource, schedule, action, outcome, reason FROM resource_history WHERE resource = $1 ORDER BY at, id"
        )
        .bind(resource)
        .fetch_all(p)
        .await
        })?;
        entries(rows)
    }

    /// Every action still [`IN_PROGRESS`]: made by a pass that has not recorded its outcome,
    /// because it is still running or because it was killed (read through a partial index,
    /// not the whole history; the outcome is written out in the SQL, not bound, because a
    /// planner uses a partial index only for the literal of its own WHERE).
    pub async fn actions_in_progress(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows: Vec<HistoryRow> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT at, resource, schedule, action, outcome, reason FROM resource_history WHERE outcome = 'in progress' ORDER BY at, id"
        )
        .fetch_all(p)
        .await
        })?;
        entries(rows)
    }
}

fn entries(rows: Vec<HistoryRow>) -> Result<Vec<HistoryEntry>, StoreError> {
    rows.into_iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: from_ms(r.at)?,
                resource: r.resource,
                schedule: r.schedule,
                action: r.action,
                outcome: r.outcome,
                reason: r.reason,
            })
        })
        .collect()
}
