//! Cloud resources as the inventory last saw them, their history and overrides.

use isched_store::intervals::RunningInterval;
use isched_store::inventory::InventoryItem;
use isched_store::overrides::StoredOverride;
use isched_store::scheduling::HistoryEntry;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ResourceView {
    /// The cloud's id (`i-0abc...`).
    pub id: String,
    /// `provider:account:region:id`, unique across clouds.
    pub resource: String,
    pub provider: String,
    /// `ec2-instance`, `rds-instance`, `rds-cluster`, `autoscaling-group` or `sandbox-instance`.
    pub kind: String,
    pub account: String,
    pub region: String,
    /// As the cloud reported it when last seen.
    pub state: String,
    pub instance_type: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The schedule it follows, if any.
    pub schedule: Option<String>,
    /// `tag` or `assignment`.
    pub schedule_source: Option<String>,
    /// Why it cannot be scheduled (e.g. an unknown schedule), if it cannot.
    pub unschedulable: Option<String>,
    /// `running` or `stopped` (with its instance type) as the schedule wanted when last seen.
    pub desired: Option<String>,
    pub reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: Timestamp,
}

impl From<InventoryItem> for ResourceView {
    fn from(i: InventoryItem) -> ResourceView {
        ResourceView {
            id: i.cloud_id,
            resource: i.resource,
            provider: i.provider,
            kind: i.kind,
            account: i.account,
            region: i.region,
            state: i.state,
            instance_type: i.instance_type,
            tags: i.tags,
            schedule: i.schedule,
            schedule_source: i.schedule_source.map(|s| s.as_str().to_owned()),
            unschedulable: i.unschedulable,
            desired: i.desired,
            reason: i.reason,
            first_seen: i.first_seen,
            last_seen: i.last_seen,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HistoryEntryView {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub schedule: Option<String>,
    /// `start`, `stop`, `resize` or `none`.
    pub action: String,
    /// `ok`, `failed: ...`, `skipped`, or what a person changed.
    pub outcome: String,
    pub reason: String,
}

impl From<HistoryEntry> for HistoryEntryView {
    fn from(e: HistoryEntry) -> HistoryEntryView {
        HistoryEntryView {
            at: e.at,
            schedule: e.schedule,
            action: e.action,
            outcome: e.outcome,
            reason: e.reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunningIntervalView {
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    /// Null while it still runs.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Timestamp>,
}

impl From<RunningInterval> for RunningIntervalView {
    fn from(r: RunningInterval) -> RunningIntervalView {
        RunningIntervalView {
            started_at: r.started_at,
            ended_at: r.ended_at,
        }
    }
}

/// What the scheduler did to a resource, and when it ran.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HistoryView {
    pub resource: String,
    pub history: Vec<HistoryEntryView>,
    pub running_intervals: Vec<RunningIntervalView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OverrideView {
    /// `running` or `stopped`.
    pub state: String,
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
    pub created_by: String,
}

impl From<StoredOverride> for OverrideView {
    fn from(o: StoredOverride) -> OverrideView {
        OverrideView {
            state: o.state,
            until: o.until,
            created_by: o.created_by,
        }
    }
}

/// An override just set.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ResourceOverrideView {
    pub resource: String,
    #[serde(rename = "override")]
    pub override_: OverrideView,
}

/// A schedule just assigned.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AssignmentView {
    pub resource: String,
    pub schedule: String,
}
