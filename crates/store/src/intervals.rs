//! Running intervals per resource, the raw material of usage and cost.

use crate::grouped::split_keys;
use crate::time::{from_ms, to_ms};
use crate::{Backend, Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunningInterval {
    pub started_at: Timestamp,
    /// None while it still runs.
    pub ended_at: Option<Timestamp>,
}

/// One interval that one or more resources ran, from the same start to the same end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedInterval {
    pub interval: RunningInterval,
    /// In no order.
    pub resources: Vec<String>,
}

/// The intervals overlapping `[$1, $2)` grouped by start and end, with each backend's way to
/// join the keys (a macro, so it stays a static string). Two halves, each grouped along the
/// index on (ended_at, started_at): with an OR between them both databases scan every
/// interval ever recorded, and grouped after a UNION SQLite sorts every row.
macro_rules! shared_sql {
    ($keys:literal) => {
        concat!(
            "SELECT started_at, ended_at, ",
            $keys,
            " FROM running_intervals WHERE ended_at IS NULL AND started_at < $2 \
             GROUP BY ended_at, started_at \
             UNION ALL SELECT started_at, ended_at, ",
            $keys,
            " FROM running_intervals WHERE ended_at > $1 AND started_at < $2 \
             GROUP BY ended_at, started_at"
        )
    };
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

    /// Every interval that overlaps `[start, end)`, as the distinct (start, end) pairs with
    /// the resources that ran so, ordered by start then end. A pass starts and stops a
    /// whole fleet at one instant, so 10,000 running resources are a few rows, not 10,000.
    pub async fn shared_intervals_between(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<SharedInterval>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => shared_sql!("group_concat(resource, char(10))"),
            Backend::Postgres => shared_sql!("string_agg(resource, chr(10))"),
        };
        let rows: Vec<(i64, Option<i64>, String)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(to_ms(start))
            .bind(to_ms(end))
            .fetch_all(p)
            .await)?;
        let mut shared = rows
            .into_iter()
            .map(|(s, e, keys)| {
                Ok(SharedInterval {
                    interval: RunningInterval {
                        started_at: from_ms(s)?,
                        ended_at: e.map(from_ms).transpose()?,
                    },
                    resources: split_keys(&keys),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        shared.sort_unstable_by_key(|s| (s.interval.started_at, s.interval.ended_at));
        Ok(shared)
    }
}
