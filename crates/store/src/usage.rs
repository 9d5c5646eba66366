//! Usage events of self-service instances (append-only), for usage and cost reports.

use crate::instances::Instance;
use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::HashMap;

/// What happened to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageEvent {
    Created,
    Started,
    Stopped,
    Resized,
    Terminated,
}

impl UsageEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageEvent::Created => "created",
            UsageEvent::Started => "started",
            UsageEvent::Stopped => "stopped",
            UsageEvent::Resized => "resized",
            UsageEvent::Terminated => "terminated",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredUsageEvent {
    pub at: Timestamp,
    pub instance: String,
    pub event: String,
    pub instance_type: String,
    pub hourly_price: Option<f64>,
}

impl Store {
    pub async fn append_usage_event(
        &self,
        instance: &Instance,
        event: UsageEvent,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO usage_events (at, instance, owner, template, resource, event, instance_type, hourly_price) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(to_ms(at))
        .bind(&instance.id)
        .bind(&instance.owner)
        .bind(&instance.template)
        .bind(instance.resource.as_deref())
        .bind(event.as_str())
        .bind(&instance.instance_type)
        .bind(instance.hourly_price)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The events, oldest first per instance, before `end` of every instance that existed
    /// at some time in `[start, end)`: each one's type and price in force over the range.
    pub async fn usage_events_between(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<StoredUsageEvent>, StoreError> {
        let rows: Vec<(i64, String, String, String, Option<f64>)> =
            on_pool!(self, |p| sqlx::query_as(
                "SELECT e.at, e.instance, e.event, e.instance_type, e.hourly_price \
                 FROM usage_events e JOIN instances i ON i.id = e.instance \
                 WHERE i.created_at < $2 AND (i.terminated_at IS NULL OR i.terminated_at > $1) \
                 AND e.at < $2 ORDER BY e.instance, e.at, e.id"
            )
            .bind(to_ms(start))
            .bind(to_ms(end))
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(event_of_row).collect()
    }

    /// An instance's events, oldest first.
    pub async fn usage_events_of(
        &self,
        instance: &str,
    ) -> Result<Vec<StoredUsageEvent>, StoreError> {
        let mut each = self.usage_events_of_each(&[instance]).await?;
        Ok(each.remove(instance).unwrap_or_default())
    }

    /// The events of each of `instances` (oldest first), in one query per few hundred
    /// instances instead of one per instance: a page of instances reads them all at once.
    pub async fn usage_events_of_each(
        &self,
        instances: &[&str],
    ) -> Result<HashMap<String, Vec<StoredUsageEvent>>, StoreError> {
        let mut out: HashMap<String, Vec<StoredUsageEvent>> = HashMap::new();
        for chunk in instances.chunks(IDS_PER_QUERY) {
            let rows: Vec<(i64, String, String, String, Option<f64>)> = on_pool!(self, |p| {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT at, instance, event, instance_type, hourly_price FROM usage_events WHERE instance IN (",
                );
                let mut ids = q.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                q.push(") ORDER BY instance, at, id");
                q.build_query_as().fetch_all(p).await
            })?;
            for row in rows {
                let e = event_of_row(row)?;
                out.entry(e.instance.clone()).or_default().push(e);
            }
        }
        Ok(out)
    }
}

/// Bound parameters per `IN (...)` list: far below SQLite's and Postgres's limits.
const IDS_PER_QUERY: usize = 500;

fn event_of_row(
    (at, instance, event, instance_type, hourly_price): (i64, String, String, String, Option<f64>),
) -> Result<StoredUsageEvent, StoreError> {
    Ok(StoredUsageEvent {
        at: from_ms(at)?,
        instance,
        event,
        instance_type,
        hourly_price,
    })
}
