//! The few columns of the inventory a usage report needs, with the tags it reads taken out
//! of the JSON by the database: a report over 10,000 resources then decodes 10,000 short
//! rows, not 10,000 tag maps.

use crate::time::from_ms;
use crate::{Backend, Store, StoreError, on_pool};
use jiff::Timestamp;

/// A resource as usage sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageInventoryRow {
    pub resource: String,
    pub provider: String,
    pub region: String,
    pub instance_type: Option<String>,
    pub schedule: Option<String>,
    pub first_seen: Timestamp,
    /// The values of the tags asked for, in their order (None where it is not set).
    pub tags: [Option<String>; 3],
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The query with each backend's way to read one tag (a macro, so it stays static).
macro_rules! usage_sql {
    ($t1:literal, $t2:literal, $t3:literal) => {
        concat!(
            "SELECT resource, provider, region, instance_type, schedule, first_seen, ",
            $t1,
            ", ",
            $t2,
            ", ",
            $t3,
            " FROM inventory"
        )
    };
}

impl Store {
    /// Every resource in the inventory, with the values of three tags.
    pub async fn inventory_for_usage(
        &self,
        tags: [&str; 3],
    ) -> Result<Vec<UsageInventoryRow>, StoreError> {
        let (sql, paths) = match self.backend() {
            Backend::Sqlite => (
                usage_sql!(
                    "json_extract(tags, $1)",
                    "json_extract(tags, $2)",
                    "json_extract(tags, $3)"
                ),
                tags.map(|t| format!("$.\"{}\"", t.replace('"', "\\\""))),
            ),
            Backend::Postgres => (
                usage_sql!(
                    "(tags::jsonb ->> $1)",
                    "(tags::jsonb ->> $2)",
                    "(tags::jsonb ->> $3)"
                ),
                tags.map(str::to_owned),
            ),
        };
        let [a, b, c] = &paths;
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(a)
            .bind(b)
            .bind(c)
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(UsageInventoryRow {
                    resource: r.0,
                    provider: r.1,
                    region: r.2,
                    instance_type: r.3,
                    schedule: r.4,
                    first_seen: from_ms(r.5)?,
                    tags: [r.6, r.7, r.8],
                })
            })
            .collect()
    }
}
