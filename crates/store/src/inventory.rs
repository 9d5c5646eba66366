//! The inventory: every resource a scheduler pass or a discovery saw, with when it was last
//! seen. Lists read it (keyset-paged by resource key, filtered in SQL), so a request never
//! waits for the cloud.

use crate::time::{from_ms, to_ms};
use crate::{Backend, Store, StoreError, on_pool};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// One resource as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryItem {
    /// `provider:account:region:id`.
    pub resource: String,
    pub provider: String,
    pub kind: String,
    pub account: String,
    pub region: String,
    pub cloud_id: String,
    pub state: String,
    pub instance_type: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub schedule: Option<String>,
    pub schedule_source: Option<ScheduleSource>,
    pub unschedulable: Option<String>,
    pub desired: Option<String>,
    pub reason: Option<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// Where a resource's schedule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleSource {
    Tag,
    Assignment,
}

impl ScheduleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleSource::Tag => "tag",
            ScheduleSource::Assignment => "assignment",
        }
    }

    fn parse(s: &str) -> Option<ScheduleSource> {
        match s {
            "tag" => Some(ScheduleSource::Tag),
            "assignment" => Some(ScheduleSource::Assignment),
            _ => None,
        }
    }
}

/// A target (provider, account, region) that was looked at, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenTarget {
    pub provider: String,
    pub account: String,
    pub region: String,
    /// Every resource was listed: those not seen are gone. Otherwise only resources with
    /// the schedule tag were: of the others, only those that followed a tag are gone (or
    /// lost the tag).
    pub whole: bool,
}

/// What one pass or discovery saw: its rows replace the stored ones (`first_seen` kept),
/// and rows of its targets it did not see are removed as `SeenTarget::whole` says.
#[derive(Debug, Clone, Default)]
pub struct InventoryUpdate {
    pub at: Option<Timestamp>,
    pub targets: Vec<SeenTarget>,
    pub items: Vec<InventoryItem>,
}

/// Filters and a page of [`Store::inventory_page`]; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct InventoryQuery {
    pub provider: Option<String>,
    pub region: Option<String>,
    pub state: Option<String>,
    pub schedule: Option<String>,
    /// `(key, None)`: carries the tag; `(key, Some(value))`: with that value.
    pub tag: Option<(String, Option<String>)>,
    pub unschedulable: Option<bool>,
    /// Resource keys after this one (the cursor).
    pub after: Option<String>,
    pub limit: u32,
}

impl InventoryQuery {
    /// The `tag` filter from its text form: `Key` (carries the tag) or `Key=Value`.
    pub fn tag_filter(text: String) -> (String, Option<String>) {
        match text.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (text, None),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    resource: String,
    provider: String,
    kind: String,
    account: String,
    region: String,
    cloud_id: String,
    state: String,
    instance_type: Option<String>,
    tags: String,
    schedule: Option<String>,
    schedule_source: Option<String>,
    unschedulable: Option<String>,
    desired: Option<String>,
    reason: Option<String>,
    first_seen: i64,
    last_seen: i64,
}

impl TryFrom<Row> for InventoryItem {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<InventoryItem, StoreError> {
        Ok(InventoryItem {
            tags: serde_json::from_str(&r.tags).map_err(|e| {
                StoreError::Corrupt(format!("inventory tags of {}: {e}", r.resource))
            })?,
            first_seen: from_ms(r.first_seen)?,
            last_seen: from_ms(r.last_seen)?,
            schedule_source: r.schedule_source.as_deref().and_then(ScheduleSource::parse),
            resource: r.resource,
            provider: r.provider,
            kind: r.kind,
            account: r.account,
            region: r.region,
            cloud_id: r.cloud_id,
            state: r.state,
            instance_type: r.instance_type,
            schedule: r.schedule,
            unschedulable: r.unschedulable,
            desired: r.desired,
            reason: r.reason,
        })
    }
}

/// The columns in the order rows are written and read (a macro, so that queries built
/// from it stay static strings).
macro_rules! columns {
    () => {
        "resource, provider, kind, account, region, cloud_id, state, instance_type, tags, \
         schedule, schedule_source, unschedulable, desired, reason, first_seen, last_seen"
    };
}

/// 16 parameters a row: far below both backends' limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 500;

impl Store {
    /// Stores what a pass or discovery saw, in one transaction.
    pub async fn update_inventory(&self, update: &InventoryUpdate) -> Result<(), StoreError> {
        let Some(at) = update.at else {
            return Ok(());
        };
        let now = to_ms(at);
        let tags: Vec<String> = update
            .items
            .iter()
            .map(|i| serde_json::to_string(&i.tags).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect::<Result<_, _>>()?;
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for (chunk, tags) in update
                .items
                .chunks(ROWS_PER_STATEMENT)
                .zip(tags.chunks(ROWS_PER_STATEMENT))
            {
                let mut q =
                    sqlx::QueryBuilder::new(concat!("INSERT INTO inventory (", columns!(), ") "));
                q.push_values(chunk.iter().zip(tags), |mut row, (i, tags)| {
                    row.push_bind(&i.resource)
                        .push_bind(&i.provider)
                        .push_bind(&i.kind)
                        .push_bind(&i.account)
                        .push_bind(&i.region)
                        .push_bind(&i.cloud_id)
                        .push_bind(&i.state)
                        .push_bind(&i.instance_type)
                        .push_bind(tags)
                        .push_bind(&i.schedule)
                        .push_bind(i.schedule_source.map(ScheduleSource::as_str))
                        .push_bind(&i.unschedulable)
                        .push_bind(&i.desired)
                        .push_bind(&i.reason)
                        .push_bind(now)
                        .push_bind(now);
                });
                q.push(
                    " ON CONFLICT (resource) DO UPDATE SET state = excluded.state, \
                     instance_type = excluded.instance_type, tags = excluded.tags, \
                     schedule = excluded.schedule, schedule_source = excluded.schedule_source, \
                     unschedulable = excluded.unschedulable, desired = excluded.desired, \
                     reason = excluded.reason, last_seen = excluded.last_seen",
                );
                q.build().execute(&mut *tx).await?;
            }
            for t in &update.targets {
                let stale = if t.whole {
                    "DELETE FROM inventory WHERE provider = $1 AND account = $2 AND region = $3 \
                     AND last_seen <> $4"
                } else {
                    "DELETE FROM inventory WHERE provider = $1 AND account = $2 AND region = $3 \
                     AND last_seen <> $4 AND schedule_source = 'tag'"
                };
                sqlx::query(stale)
                    .bind(&t.provider)
                    .bind(&t.account)
                    .bind(&t.region)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The items of these keys (those not in the inventory are left out), in key order.
    pub async fn inventory_items(&self, keys: &[String]) -> Result<Vec<InventoryItem>, StoreError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<Row> = on_pool!(self, |p| {
                let mut q = sqlx::QueryBuilder::new(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM inventory WHERE resource IN ("
                ));
                let mut list = q.separated(", ");
                for k in chunk {
                    list.push_bind(k);
                }
                q.push(")");
                q.build_query_as().fetch_all(p).await
            })?;
            for r in rows {
                out.push(InventoryItem::try_from(r)?);
            }
        }
        out.sort_by(|a, b| a.resource.cmp(&b.resource));
        Ok(out)
    }

    /// One page of the inventory in resource-key order: up to `limit` items after the
    /// cursor, and whether more follow.
    pub async fn inventory_page(
        &self,
        query: &InventoryQuery,
    ) -> Result<(Vec<InventoryItem>, bool), StoreError> {
        let limit = query.limit.max(1) as usize;
        let backend = self.backend();
        let rows: Vec<Row> = on_pool!(self, |p| {
            let mut q = sqlx::QueryBuilder::new(concat!(
                "SELECT ",
                columns!(),
                " FROM inventory WHERE 1 = 1"
            ));
            if let Some(after) = &query.after {
                q.push(" AND resource > ").push_bind(after);
            }
            for (column, value) in [
                ("provider", &query.provider),
                ("region", &query.region),
                ("state", &query.state),
                ("schedule", &query.schedule),
            ] {
                if let Some(v) = value {
                    q.push(format!(" AND {column} = ")).push_bind(v);
                }
            }
            match query.unschedulable {
                Some(true) => {
                    q.push(" AND unschedulable IS NOT NULL");
                }
                Some(false) => {
                    q.push(" AND unschedulable IS NULL");
                }
                None => {}
            }
            if let Some((key, value)) = &query.tag {
                // Tags are a JSON object in a text column; each backend reads it its way.
                q.push(match backend {
                    Backend::Sqlite => " AND EXISTS (SELECT 1 FROM json_each(inventory.tags) t WHERE t.key = ",
                    Backend::Postgres => " AND EXISTS (SELECT 1 FROM json_each_text(inventory.tags::json) t WHERE t.key = ",
                })
                .push_bind(key);
                if let Some(v) = value {
                    q.push(" AND t.value = ").push_bind(v);
                }
                q.push(")");
            }
            q.push(" ORDER BY resource LIMIT ")
                .push_bind(limit as i64 + 1);
            q.build_query_as().fetch_all(p).await
        })?;
        let more = rows.len() > limit;
        let items = rows
            .into_iter()
            .take(limit)
            .map(InventoryItem::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, more))
    }

    /// The resources whose key or cloud id is `id` (several when the same cloud id is in
    /// more than one account or region).
    pub async fn inventory_find(&self, id: &str) -> Result<Vec<InventoryItem>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM inventory WHERE resource = $1 OR cloud_id = $1 ORDER BY resource"
        ))
        .bind(id)
        .fetch_all(p)
        .await)?;
        rows.into_iter().map(InventoryItem::try_from).collect()
    }

    /// Records a state isched has just asked for (a start or stop it made), until the next
    /// pass sees the cloud's own.
    pub async fn set_inventory_state(&self, resource: &str, state: &str) -> Result<(), StoreError> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE inventory SET state = $2 WHERE resource = $1"
        )
        .bind(resource)
        .bind(state)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// How many resources the inventory holds.
    pub async fn inventory_len(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = on_pool!(self, |p| sqlx::query_as("SELECT COUNT(*) FROM inventory")
            .fetch_one(p)
            .await)?;
        Ok(n)
    }
}
