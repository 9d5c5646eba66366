//! Schedules assigned to resources through the API, for resources that carry no tag (or
//! whose tag an admin wants to overrule).

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub schedule: String,
    pub assigned_by: String,
    pub assigned_at: Timestamp,
}

impl Store {
    /// resource key → its assigned schedule.
    pub async fn assignments(&self) -> Result<HashMap<String, Assignment>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT resource, schedule, assigned_by, assigned_at FROM resource_assignments"
        )
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(resource, schedule, assigned_by, at)| {
                Ok((
                    resource,
                    Assignment {
                        schedule,
                        assigned_by,
                        assigned_at: from_ms(at)?,
                    },
                ))
            })
            .collect()
    }

    pub async fn assign_schedule(
        &self,
        resource: &str,
        schedule: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO resource_assignments (resource, schedule, assigned_by, assigned_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (resource) DO UPDATE SET schedule = $2, assigned_by = $3, assigned_at = $4",
            )
            .bind(resource)
            .bind(schedule)
            .bind(by)
            .bind(to_ms(now))
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Removes the resource's assignment; false if it had none.
    pub async fn unassign_schedule(&self, resource: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "DELETE FROM resource_assignments WHERE resource = $1"
        )
        .bind(resource)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// How many resources are assigned `schedule` (deleting it is refused while any are).
    pub async fn assignments_of(&self, schedule: &str) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT COUNT(*) FROM resource_assignments WHERE schedule = $1"
        )
        .bind(schedule)
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}
