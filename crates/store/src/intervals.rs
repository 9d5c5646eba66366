//! Running intervals per resource, the raw material of usage and cost.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunningInterval {
    pub started_at: Timestamp,
    /// None while it still runs.
    pub ended_at: Option<Timestamp>,
}

impl Store {
    /// The resources with an open interval (running, as last seen).
    pub async fn open_intervals(&self) -> Result<HashSet<String>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT resource FROM running_intervals WHERE ended_at IS NULL"
        )
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|(r,)| r).collect())
    }

    /// A resource's intervals, oldest first.
    pub async fn running_intervals(
        &self,
        resource: &str,
    ) -> Result<Vec<RunningInterval>, StoreError> {
        let rows: Vec<(i64, Option<i64>)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT started_at, ended_at FROM running_intervals WHERE resource = $1 ORDER BY started_at, id"
        )
        .bind(resource)
        .fetch_all(p)
        .await
        })?;
        rows.into_iter()
            .map(|(s, e)| {
                Ok(RunningInterval {
                    started_at: from_ms(s)?,
                    ended_at: e.map(from_ms).transpose()?,
                })
            })
            .collect()
    }

    /// Every interval that overlaps `[start, end)`, by resource then start.
    pub async fn running_spans_between(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<(String, RunningInterval)>, StoreError> {
        let mut rows: Vec<(String, i64, Option<i64>)> = on_pool!(self, |p| sqlx::query_as(
            // Two halves, so that each reads the index on ended_at (with an OR between them
            // both databases scan every interval ever recorded), sorted here: an ORDER BY
            // makes SQLite walk the index on resource instead.
            "SELECT resource, started_at, ended_at FROM running_intervals \
             WHERE ended_at IS NULL AND started_at < $2 \
             UNION ALL \
             SELECT resource, started_at, ended_at FROM running_intervals \
             WHERE ended_at > $1 AND started_at < $2"
        )
        .bind(to_ms(start))
        .bind(to_ms(end))
        .fetch_all(p)
        .await)?;
        rows.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        rows.into_iter()
            .map(|(r, s, e)| {
                Ok((
                    r,
                    RunningInterval {
                        started_at: from_ms(s)?,
                        ended_at: e.map(from_ms).transpose()?,
                    },
                ))
            })
            .collect()
    }
}
