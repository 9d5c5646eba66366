//! Definitions as users write them, in AWS Instance Scheduler's field names: the input of
//! [`crate::Period::parse`] and [`crate::Schedule::parse`], and what `export` writes back.
//!
//! Unknown fields are refused, so a typo such as `begintme` is an error rather than a
//! period that silently runs all day.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begintime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endtime: Option<String>,
    #[serde(
        default,
        deserialize_with = "comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub weekdays: Option<String>,
    #[serde(
        default,
        deserialize_with = "comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub monthdays: Option<String>,
    #[serde(
        default,
        deserialize_with = "comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub months: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// IANA name; absent means UTC, as upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `name` or `name@instance-type`; a list, or one comma-separated string.
    #[serde(default, deserialize_with = "name_list")]
    pub periods: Vec<String>,
    /// `running` or `stopped`: the schedule then says that alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforced: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_running: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_new_instances: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hibernate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_maintenance_window: Option<bool>,
}

/// A file of periods and schedules (`isched schedule check`, `schedules import`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSpec {
    #[serde(default)]
    pub periods: Vec<PeriodSpec>,
    #[serde(default)]
    pub schedules: Vec<ScheduleSpec>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Upstream stores these fields as string sets; users write `"mon-fri"` or `[mon, wed]`.
fn comma_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(s)) => Some(s),
        Some(OneOrMany::Many(v)) => Some(v.join(",")),
    })
}

fn name_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => s.split(',').map(|p| p.trim().to_owned()).collect(),
        Some(OneOrMany::Many(v)) => v,
    })
}
