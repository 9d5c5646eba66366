//! Definitions as users write them, in AWS Instance Scheduler's field names: the input of
//! [`crate::Period::parse`] and [`crate::Schedule::parse`], and what `export` writes back.
//!
//! Unknown fields are refused, so a typo such as `begintme` is an error rather than a
//! period that silently runs all day.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StringOrList>))]
    pub weekdays: Option<String>,
    #[serde(
        default,
        deserialize_with = "comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StringOrList>))]
    pub monthdays: Option<String>,
    #[serde(
        default,
        deserialize_with = "comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StringOrList>))]
    pub months: Option<String>,
    /// Extension: a cron expression (`min hour dom month dow`, in the schedule's zone) at
    /// which the period starts running. Goes with `stop_cron`, and with no other field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_cron: Option<String>,
    /// Extension: when a cron period stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_cron: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[cfg_attr(feature = "openapi", schema(value_type = StringOrList))]
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
    /// SSM maintenance windows (by name) in which EC2 instances run, as upstream's field.
    /// Stored and exported; isched does not act on them yet.
    #[serde(
        default,
        deserialize_with = "name_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StringOrList>))]
    pub ssm_maintenance_window: Vec<String>,
    /// Extension: holiday calendars whose days override the periods.
    #[serde(
        default,
        deserialize_with = "name_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StringOrList>))]
    pub calendars: Vec<String>,
    /// Extension: what calendar days mean, `stopped` (default) or `running`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_days: Option<String>,
    /// Extension: date ranges on which the schedule is held running or stopped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ExceptionSpec>,
}

/// A dated exception: whole local days, `from` to `to` inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExceptionSpec {
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `running` or `stopped`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A holiday calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<CalendarEntrySpec>,
    /// iCalendar text whose events are added to `dates`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ics: Option<String>,
    /// An ICS file to read into `ics`; the file loader resolves it relative to the
    /// definitions file (this crate does no IO).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ics_file: Option<String>,
}

/// `"2026-12-25"`, `"2026-12-24..2026-12-31"`, or `{from, to, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CalendarEntrySpec {
    Text(String),
    Entry {
        from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

/// A file of periods and schedules (`isched schedule check`, `schedules import`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogSpec {
    #[serde(default)]
    pub periods: Vec<PeriodSpec>,
    #[serde(default)]
    pub schedules: Vec<ScheduleSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendars: Vec<CalendarSpec>,
}

/// One comma-separated string, or a list of strings (upstream stores string sets).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
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
