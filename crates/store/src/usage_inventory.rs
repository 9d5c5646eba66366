//! The inventory as a usage report needs it: resources grouped by what their usage depends
//! on (provider, region and type for the price, schedule, the owner and template tags, and
//! when they began to exist within the report), with the keys of each group. The tags are
//! read out of the JSON by the database, so a report over 10,000 resources on a few
//! schedules decodes a few rows, not 10,000 tag maps.

use crate::grouped::{split_keys, tag_parameter};
use crate::time::{from_ms, to_ms};
use crate::{Backend, Store, StoreError, on_pool};
use jiff::Timestamp;

/// Resources that count alike.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageGroup {
    pub provider: String,
    pub region: String,
    pub instance_type: Option<String>,
    pub schedule: Option<String>,
    /// When they began to exist, but not before the start asked for.
    pub exists_from: Timestamp,
    /// The values of the tags asked for, in their order (None where it is not set).
    pub tags: [Option<String>; 3],
    /// Their keys, in no order.
    pub resources: Vec<String>,
}

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// The query with each backend's way to read a tag and join keys (a macro, so it stays a
/// static string).
macro_rules! usage_sql {
    ($from:literal, $t1:literal, $t2:literal, $t3:literal, $keys:literal) => {
        concat!(
            "WITH r AS (SELECT resource, provider, region, instance_type, schedule, \
                CASE WHEN first_seen < $4 THEN $4 ELSE first_seen END AS exists_from, ",
            $t1,
            " AS t1, ",
            $t2,
            " AS t2, ",
            $t3,
            " AS t3 FROM ",
            $from,
            ") \
             SELECT provider, region, instance_type, schedule, exists_from, t1, t2, t3, ",
            $keys,
            " FROM r GROUP BY provider, region, instance_type, schedule, exists_from, t1, t2, t3"
        )
    };
}

impl Store {
    /// Every resource of the inventory in groups, with the values of three tags; those that
    /// began to exist before `start` count from `start`.
    pub async fn inventory_usage_groups(
        &self,
        tags: [&str; 3],
        start: Timestamp,
    ) -> Result<Vec<UsageGroup>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                usage_sql!(
                    "inventory",
                    "json_extract(tags, $1)",
                    "json_extract(tags, $2)",
                    "json_extract(tags, $3)",
                    "group_concat(resource, char(10))"
                )
            }
            Backend::Postgres => {
                // The tags parsed once a row, not once a tag.
                usage_sql!(
                    "inventory CROSS JOIN LATERAL (SELECT inventory.tags::jsonb AS j) parsed",
                    "(parsed.j ->> $1)",
                    "(parsed.j ->> $2)",
                    "(parsed.j ->> $3)",
                    "string_agg(resource, chr(10))"
                )
            }
        };
        let [a, b, c] = tags.map(|t| tag_parameter(self.backend(), t));
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(&a)
            .bind(&b)
            .bind(&c)
            .bind(to_ms(start))
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(UsageGroup {
                    provider: r.0,
                    region: r.1,
                    instance_type: r.2,
                    schedule: r.3,
                    exists_from: from_ms(r.4)?,
                    tags: [r.5, r.6, r.7],
                    resources: split_keys(&r.8),
                })
            })
            .collect()
    }
}
