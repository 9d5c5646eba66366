//! Self-service instances as a usage report needs them: who owns each, what it was made
//! from, when it existed and its price, without the login details and inventory state of a
//! full [`Instance`](crate::instances::Instance) (a report reads every instance of its range).

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceUsage {
    pub id: String,
    /// The owner's user id.
    pub owner: String,
    pub template: String,
    pub schedule: String,
    /// Its inventory key, once it has one.
    pub resource: Option<String>,
    /// The price it was created at.
    pub hourly_price: Option<f64>,
    pub created_at: Timestamp,
    pub terminated_at: Option<Timestamp>,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<f64>,
    i64,
    Option<i64>,
);

impl Store {
    /// Instances that existed at some time in `[start, end)`: created before its end and
    /// not terminated before its start, by id.
    pub async fn instance_usage_between(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<InstanceUsage>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(
            "SELECT id, owner, template, schedule, resource, hourly_price, created_at, \
             terminated_at FROM instances \
             WHERE created_at < $2 AND (terminated_at IS NULL OR terminated_at > $1) ORDER BY id"
        )
        .bind(to_ms(start))
        .bind(to_ms(end))
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(InstanceUsage {
                    id: r.0,
                    owner: r.1,
                    template: r.2,
                    schedule: r.3,
                    resource: r.4,
                    hourly_price: r.5,
                    created_at: from_ms(r.6)?,
                    terminated_at: r.7.map(from_ms).transpose()?,
                })
            })
            .collect()
    }
}
