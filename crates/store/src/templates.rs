//! Instance templates: what admins let users create. The settings are stored as one JSON
//! document; the engine validates them before they get here.

use crate::time::{from_ms, to_ms};
use crate::{Store, StoreError, on_pool};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happens to an instance when its lifetime ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnExpiry {
    #[default]
    Stop,
    Terminate,
}

impl OnExpiry {
    pub fn as_str(self) -> &'static str {
        match self {
            OnExpiry::Stop => "stop",
            OnExpiry::Terminate => "terminate",
        }
    }
}

/// The hourly price shown to users: one price for every allowed type, or one per type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HourlyPrice {
    Flat(f64),
    PerType(BTreeMap<String, f64>),
}

/// A template's settings (everything but its name and lifecycle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSpec {
    pub description: String,
    pub provider: String,
    pub account: Option<String>,
    pub region: String,
    pub image: String,
    pub instance_types: Vec<String>,
    pub default_instance_type: String,
    /// Tried in order when the cloud has no capacity for an instance's own type (written
    /// on each instance as upstream's `IS-PreferredInstanceTypes` tag). Absent in
    /// templates stored before it existed.
    #[serde(default)]
    pub fallback_instance_types: Vec<String>,
    pub subnet: Option<String>,
    pub security_groups: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// cloud-init, with `{{owner}}` and `{{name}}` filled in at launch.
    pub user_data: Option<String>,
    pub root_volume_gb: Option<u32>,
    pub schedule: String,
    pub max_lifetime_hours: u32,
    pub on_expiry: OnExpiry,
    pub hourly_price: Option<HourlyPrice>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredTemplate {
    pub name: String,
    #[serde(flatten)]
    pub spec: TemplateSpec,
    pub retired_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

type Row = (String, String, Option<i64>, i64, i64);

impl TryFrom<Row> for StoredTemplate {
    type Error = StoreError;

    fn try_from((name, spec, retired_at, created_at, updated_at): Row) -> Result<Self, StoreError> {
        let spec = serde_json::from_str(&spec)
            .map_err(|e| StoreError::Corrupt(format!("template {name:?}: {e}")))?;
        Ok(StoredTemplate {
            name,
            spec,
            retired_at: retired_at.map(from_ms).transpose()?,
            created_at: from_ms(created_at)?,
            updated_at: from_ms(updated_at)?,
        })
    }
}

fn spec_json(spec: &TemplateSpec) -> String {
    serde_json::to_string(spec).expect("a template spec serialises")
}

macro_rules! columns {
    () => {
        "name, spec, retired_at, created_at, updated_at"
    };
}

impl Store {
    /// Templates by name after `after`, at most `limit` (+ whether more follow); retired
    /// ones only when asked.
    pub async fn templates_page(
        &self,
        include_retired: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<StoredTemplate>, bool), StoreError> {
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM templates WHERE name > $1 AND ($2 OR retired_at IS NULL) ORDER BY name LIMIT $3"
        ))
            .bind(after.unwrap_or(""))
            .bind(include_retired)
            .bind(i64::from(limit) + 1)
            .fetch_all(p)
            .await
        })?;
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(StoredTemplate::try_from)
            .collect::<Result<_, _>>()?;
        Ok((items, more))
    }

    pub async fn template(&self, name: &str) -> Result<Option<StoredTemplate>, StoreError> {
        let row: Option<Row> = on_pool!(self, |p| sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM templates WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(p)
        .await)?;
        row.map(StoredTemplate::try_from).transpose()
    }

    /// Stores a new template; `Conflict` when the name is taken (retired ones included).
    pub async fn insert_template(
        &self,
        name: &str,
        spec: &TemplateSpec,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let spec = spec_json(spec);
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO templates (name, spec, retired_at, created_at, updated_at) \
             VALUES ($1, $2, NULL, $3, $3)"
        )
        .bind(name)
        .bind(&spec)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|_| ())
        .map_err(StoreError::unique("template")))
    }

    /// Replaces a template's settings; false if there is no such template.
    pub async fn update_template(
        &self,
        name: &str,
        spec: &TemplateSpec,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let spec = spec_json(spec);
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE templates SET spec = $2, updated_at = $3 WHERE name = $1"
        )
        .bind(name)
        .bind(&spec)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks a template retired (keeps the first instant if it already was); false if there
    /// is no such template.
    pub async fn retire_template(&self, name: &str, now: Timestamp) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE templates SET retired_at = COALESCE(retired_at, $2), updated_at = $2 \
             WHERE name = $1"
        )
        .bind(name)
        .bind(to_ms(now))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Deletes a template; false if there is no such template. The engine refuses this
    /// while instances use it.
    pub async fn delete_template(&self, name: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, |p| sqlx::query(
            "DELETE FROM templates WHERE name = $1"
        )
        .bind(name)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
