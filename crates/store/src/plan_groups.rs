//! The scheduled part of the inventory grouped by everything a decision depends on (the
//! schedule, kind, state and type, the scheduler's memory for that schedule, an override
//! stored or in a tag): a plan of 10,000 resources is then a few decisions, read in one
//! query of a few rows instead of 10,000 rows with their tags.

use crate::grouped::{split_keys, tag_parameter};
use crate::time::from_ms;
use crate::{Backend, Store, StoreError, on_pool};
use jiff::Timestamp;

/// Resources that would all get the same decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanGroup {
    pub schedule: String,
    pub kind: String,
    pub state: String,
    pub instance_type: Option<String>,
    /// The scheduler's last desired state, when it remembers one for this schedule.
    pub remembered: Option<String>,
    /// An override stored through the API: its state and end.
    pub stored_override: Option<(String, Timestamp)>,
    /// The value of the override tag.
    pub tagged_override: Option<String>,
    /// Their keys, in no order.
    pub resources: Vec<String>,
    /// When the one seen longest ago was last seen.
    pub oldest_seen: Timestamp,
}

/// The grouping query, with each backend's way to read a tag and to join keys (a macro, so
/// that the query stays a static string).
macro_rules! groups_sql {
    ($tag:literal, $keys:literal) => {
        concat!(
            "WITH g AS (SELECT i.resource, i.last_seen, i.schedule, i.kind, i.state, \
                    i.instance_type, \
                    CASE WHEN m.schedule = i.schedule THEN m.last_desired END AS remembered, \
                    o.state AS o_state, o.until AS o_until, ",
            $tag,
            " AS tagged \
                FROM inventory i \
                LEFT JOIN resource_states m ON m.resource = i.resource \
                LEFT JOIN resource_overrides o ON o.resource = i.resource \
                WHERE i.schedule IS NOT NULL) \
             SELECT schedule, kind, state, instance_type, remembered, o_state, o_until, tagged, ",
            $keys,
            ", MIN(last_seen) FROM g \
             GROUP BY schedule, kind, state, instance_type, remembered, o_state, o_until, tagged"
        )
    };
}

type GroupRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    i64,
);

impl Store {
    /// Every group of scheduled resources in the inventory. `override_tag` is the tag in
    /// which owners write overrides.
    pub async fn inventory_plan_groups(
        &self,
        override_tag: &str,
    ) -> Result<Vec<PlanGroup>, StoreError> {
        // Tags are a JSON object in a text column; each backend reads it its way.
        let sql = match self.backend() {
            Backend::Sqlite => groups_sql!(
                "json_extract(i.tags, $1)",
                "group_concat(resource, char(10))"
            ),
            Backend::Postgres => {
                groups_sql!("(i.tags::jsonb ->> $1)", "string_agg(resource, chr(10))")
            }
        };
        let path = tag_parameter(self.backend(), override_tag);
        let rows: Vec<GroupRow> =
            on_pool!(self, |p| sqlx::query_as(sql).bind(&path).fetch_all(p).await)?;
        rows.into_iter()
            .map(|r| {
                let stored_override = match (r.5, r.6) {
                    (Some(state), Some(until)) => Some((state, from_ms(until)?)),
                    _ => None,
                };
                Ok(PlanGroup {
                    schedule: r.0,
                    kind: r.1,
                    state: r.2,
                    instance_type: r.3,
                    remembered: r.4,
                    stored_override,
                    tagged_override: r.7,
                    resources: split_keys(&r.8),
                    oldest_seen: from_ms(r.9)?,
                })
            })
            .collect()
    }
}
