//! `isched plan`: for every resource tagged with a schedule, what the engine would do at an
//! instant and why. Changes nothing.

use crate::decide::{Action, Decision, LastDesired, decide, undo_rds_auto_start};
use crate::definitions::{DefinitionError, Definitions};
use isched_cloud::{
    CloudError, Provider, Resource, ResourceKind, ResourceState, TagFilter, Target,
};
use isched_schedule::maintenance::{ActiveWindow, SsmWindow, rds_window_at};
use isched_schedule::{OverrideStatus, ResourceOverride};
use isched_store::Store;
use isched_store::inventory::{InventoryItem, InventoryUpdate, ScheduleSource, SeenTarget};
use isched_store::overrides::StoredOverride;
use isched_store::scheduling::ResourceMemory;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Definitions(#[from] DefinitionError),
    #[error("discovering {target}: {error}")]
    Cloud { target: String, error: CloudError },
    #[error(transparent)]
    Store(#[from] isched_store::StoreError),
    /// A request would take its user over `limit`.
    #[error("{limit}: {message}")]
    QuotaExceeded {
        limit: &'static str,
        message: String,
    },
}

impl EngineError {
    /// The cloud failed while working on `target`.
    pub fn cloud(target: &Target, error: CloudError) -> EngineError {
        EngineError::Cloud {
            target: target.to_string(),
            error,
        }
    }
}

/// One resource's decision.
#[derive(Debug, Clone)]
pub struct Planned {
    pub resource: Resource,
    /// `provider:account:region:id`: the key of the scheduler's memory and history.
    pub key: String,
    pub schedule: String,
    /// `running`, `stopped` or `any`; None when the schedule is unknown.
    pub desired: Option<&'static str>,
    pub decision: Decision,
    pub memory: Option<ResourceMemory>,
    /// The override in force at the instant planned for, if any.
    pub active_override: Option<ResourceOverride>,
    /// A stored override that has expired: the pass clears it and records that.
    pub expired_override: bool,
}

/// The tag through which a resource's owner can override its schedule:
/// `running until 2026-11-25T22:00:00Z` or `stopped until ...`.
pub const OVERRIDE_TAG: &str = "isched:override";

/// Parses `running until T` / `stopped until T`.
pub fn parse_override(text: &str) -> Result<ResourceOverride, String> {
    let (state, until) = text
        .trim()
        .split_once(" until ")
        .ok_or_else(|| format!("{text:?} is not \"running until T\" or \"stopped until T\""))?;
    let state = status_of(state.trim())
        .ok_or_else(|| format!("{:?} is not running or stopped", state.trim()))?;
    let until: Timestamp = until
        .trim()
        .parse()
        .map_err(|_| format!("{until:?} is not an RFC 3339 instant"))?;
    Ok(ResourceOverride { state, until })
}

/// A stored override as evaluation takes it (the table allows only these two states).
pub(crate) fn stored_override(o: &StoredOverride) -> Option<ResourceOverride> {
    override_of(&o.state, o.until)
}

/// An override from its state as text and its end.
pub(crate) fn override_of(state: &str, until: Timestamp) -> Option<ResourceOverride> {
    Some(ResourceOverride {
        state: status_of(state)?,
        until,
    })
}

fn status_of(state: &str) -> Option<OverrideStatus> {
    match state {
        "running" => Some(OverrideStatus::Running),
        "stopped" => Some(OverrideStatus::Stopped),
        _ => None,
    }
}

fn override_state(o: &ResourceOverride) -> &'static str {
    match o.state {
        OverrideStatus::Running => "running",
        OverrideStatus::Stopped => "stopped",
    }
}

impl Planned {
    /// The shape DESIGN.md fixes for `isched plan --format json`.
    pub fn to_json(&self) -> Value {
        json!({
            "resource": self.resource.id,
            "provider": self.resource.provider,
            "region": self.resource.region,
            "schedule": self.schedule,
            "current": self.resource.state.as_str(),
            "desired": self.desired,
            "action": self.decision.action.as_str(),
            "reason": self.decision.reason,
        })
    }
}

/// What a resource id given by a user names in the scheduler's memory.
pub enum RememberedKey {
    Found(String),
    Unknown,
    /// The bare id ends more than one key (same id in two accounts or regions).
    Ambiguous,
}

/// The `provider:account:region:id` key of `id`, given as that key or as the bare cloud id
/// of a resource the scheduler has seen.
pub async fn remembered_key(
    store: &Store,
    id: &str,
) -> Result<RememberedKey, isched_store::StoreError> {
    if id.matches(':').count() >= 3 {
        return Ok(RememberedKey::Found(id.to_owned()));
    }
    let states = store.resource_states().await?;
    let found: Vec<&String> = states
        .keys()
        .filter(|k| k.rsplit(':').next() == Some(id))
        .collect();
    Ok(match found.as_slice() {
        [one] => RememberedKey::Found((*one).clone()),
        [] => RememberedKey::Unknown,
        _ => RememberedKey::Ambiguous,
    })
}

pub fn resource_key(r: &Resource) -> String {
    format!("{}{}", target_key_prefix(&r.provider, &r.target()), r.id)
}

/// `provider:account:region:`, the start of the keys of a target's resources.
pub fn target_key_prefix(provider: &str, target: &Target) -> String {
    format!("{provider}:{}:{}:", target.account, target.region)
}

/// Every account-region target of the provider.
pub async fn all_targets(provider: &dyn Provider) -> Result<Vec<Target>, EngineError> {
    provider
        .targets()
        .await
        .map_err(|error| EngineError::Cloud {
            target: "targets".into(),
            error,
        })
}

/// Decides for every resource carrying `schedule_tag`, at `at`.
pub async fn plan(
    provider: &dyn Provider,
    store: &Store,
    schedule_tag: &str,
    at: Timestamp,
) -> Result<Vec<Planned>, EngineError> {
    let targets = all_targets(provider).await?;
    Ok(plan_targets(
        provider,
        store,
        schedule_tag,
        at,
        &targets,
        Discovery::Scheduled,
    )
    .await?
    .planned)
}

/// Which resources a plan discovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    /// Those the scheduler needs: carrying the schedule tag, or every one in a target where
    /// some resource is assigned a schedule without a tag.
    Scheduled,
    /// Every resource (a refresh of the inventory).
    Everything,
}

/// The decisions of a plan, and what it saw for the inventory.
#[derive(Debug, Clone)]
pub struct Plan {
    pub planned: Vec<Planned>,
    pub seen: InventoryUpdate,
}

/// Decides for the resources of `targets` only (those whose leases this replica holds).
pub async fn plan_targets(
    provider: &dyn Provider,
    store: &Store,
    schedule_tag: &str,
    at: Timestamp,
    targets: &[Target],
    discovery: Discovery,
) -> Result<Plan, EngineError> {
    let known = Known::load(store, schedule_tag, at).await?;
    let mut out = Vec::new();
    let mut seen = InventoryUpdate {
        at: Some(at),
        ..InventoryUpdate::default()
    };
    let reads_ssm_windows = known.uses_ssm_windows();
    for target in targets {
        // Resources assigned a schedule through the API may carry no tag: a target with
        // any of them is discovered whole (the same calls, more rows).
        let prefix = target_key_prefix(provider.name(), target);
        let whole = discovery == Discovery::Everything
            || known.assignments.keys().any(|k| k.starts_with(&prefix));
        let filter = if whole {
            TagFilter::default()
        } else {
            TagFilter::keys(&[schedule_tag])
        };
        seen.targets.push(SeenTarget {
            provider: provider.name().to_owned(),
            account: target.account.clone(),
            region: target.region.clone(),
            whole,
        });
        let resources = provider
            .discover(target, &filter)
            .await
            .map_err(|error| EngineError::cloud(target, error))?;
        let windows: Vec<SsmWindow> = if reads_ssm_windows {
            provider
                .maintenance_windows(target)
                .await
                .map_err(|error| EngineError::cloud(target, error))?
        } else {
            Vec::new()
        };
        for resource in resources {
            let key = resource_key(&resource);
            let Some((name, source)) = known.schedule_of(&resource, &key) else {
                seen.items.push(inventory_item(&resource, key, None));
                continue;
            };
            let planned = known.plan_one(resource, key, name, &windows);
            seen.items.push(inventory_item(
                &planned.resource,
                planned.key.clone(),
                Some((&planned, source)),
            ));
            out.push(planned);
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Plan { planned: out, seen })
}

/// What every decision of a plan reads from the store, read once per plan.
struct Known {
    catalog: isched_schedule::Catalog,
    memory: HashMap<String, ResourceMemory>,
    overrides: HashMap<String, StoredOverride>,
    assignments: HashMap<String, isched_store::assignments::Assignment>,
    schedule_tag: String,
    at: Timestamp,
}

impl Known {
    async fn load(store: &Store, schedule_tag: &str, at: Timestamp) -> Result<Known, EngineError> {
        Ok(Known {
            catalog: Definitions::new(store.clone()).catalog().await?,
            memory: store.resource_states().await?,
            overrides: store.overrides().await?,
            assignments: store.assignments().await?,
            schedule_tag: schedule_tag.to_owned(),
            at,
        })
    }

    /// The schedule a resource follows and where that comes from; None when it follows
    /// none.
    fn schedule_of(&self, resource: &Resource, key: &str) -> Option<(String, ScheduleSource)> {
        // An assignment through the API wins over the tag.
        match self.assignments.get(key) {
            Some(a) => Some((a.schedule.clone(), ScheduleSource::Assignment)),
            None => resource
                .tags
                .get(&self.schedule_tag)
                .map(|v| (v.trim().to_owned(), ScheduleSource::Tag)),
        }
    }

    /// The decision for a resource following the schedule `name`, given the SSM
    /// maintenance windows of its target.
    fn plan_one(
        &self,
        resource: Resource,
        key: String,
        name: String,
        windows: &[SsmWindow],
    ) -> Planned {
        let remembered = self.memory.get(&key).cloned();
        let from_api = self.overrides.get(&key).and_then(stored_override);
        let window = self
            .catalog
            .schedule(&name)
            .and_then(|s| maintenance_window(s, &resource, windows, self.at));
        decide_for(
            &self.catalog,
            self.at,
            resource,
            key,
            name,
            remembered,
            from_api,
            window,
        )
    }

    /// Whether some schedule starts EC2 instances for SSM windows (else none are read).
    fn uses_ssm_windows(&self) -> bool {
        self.catalog.schedules().any(|s| {
            s.flags().use_maintenance_window && !s.spec().ssm_maintenance_window.is_empty()
        })
    }
}

/// The maintenance window in force for `resource` at `at`, when its schedule uses them:
/// an RDS resource's preferred window, or for others the SSM windows the schedule names.
/// A window that cannot be read is logged and left out.
fn maintenance_window(
    schedule: &isched_schedule::Schedule,
    resource: &Resource,
    windows: &[SsmWindow],
    at: Timestamp,
) -> Option<ActiveWindow> {
    if !schedule.flags().use_maintenance_window {
        return None;
    }
    let unreadable = |e: String| tracing::warn!(schedule = schedule.name(), error = %e, "maintenance window not read");
    match resource.kind {
        ResourceKind::RdsInstance | ResourceKind::RdsCluster => resource
            .maintenance_window
            .as_deref()
            .and_then(|w| rds_window_at(w, at).map_err(unreadable).ok().flatten()),
        _ => {
            let names = &schedule.spec().ssm_maintenance_window;
            windows
                .iter()
                .filter(|w| names.contains(&w.name))
                .filter_map(|w| w.at(at).map_err(unreadable).ok().flatten())
                .max_by_key(|w| w.ends)
        }
    }
}

/// The decision for a resource following the schedule `name`, given what the scheduler
/// remembers of it and its override stored through the API.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decide_for(
    catalog: &isched_schedule::Catalog,
    at: Timestamp,
    resource: Resource,
    key: String,
    name: String,
    remembered: Option<ResourceMemory>,
    from_api: Option<ResourceOverride>,
    window: Option<ActiveWindow>,
) -> Planned {
    let Some(schedule) = catalog.schedule(&name) else {
        return Planned {
            decision: Decision {
                action: Action::None,
                reason: format!("unschedulable: no schedule named {name:?}"),
                record: None,
            },
            resource,
            key,
            schedule: name,
            desired: None,
            memory: remembered,
            active_override: None,
            expired_override: false,
        };
    };
    // An override set through the API wins over one in the tag.
    let from_tag = resource
        .tags
        .get(OVERRIDE_TAG)
        .and_then(|t| parse_override(t).ok());
    let expired_override = from_api.is_some_and(|o| !o.is_active(at));
    let explicit = from_api.or(from_tag).filter(|o| o.is_active(at));
    // A maintenance window keeps the resource running as an override would, until it
    // ends; an override set by a person wins over it.
    let window = window.filter(|_| explicit.is_none());
    let active_override = explicit.or(window.as_ref().map(|w| ResourceOverride {
        state: OverrideStatus::Running,
        until: w.ends,
    }));
    let desired = schedule
        .state_at_with(at, active_override.as_ref())
        .to_owned();
    // A resource moved to another schedule starts afresh.
    let last = remembered
        .as_ref()
        .filter(|m| m.schedule == name)
        .and_then(|m| LastDesired::parse(&m.last_desired));
    let mut decision = decide(
        resource.state,
        resource.instance_type.as_deref(),
        &desired,
        last,
        schedule.flags(),
    );
    decision = undo_rds_auto_start(
        resource.kind,
        resource.state,
        desired.state,
        last,
        schedule.flags().hibernate,
        decision,
    );
    decision = crate::preferred_types::prefer(&resource, decision);
    if let Some(w) = &window {
        decision.reason = format!("in {} until {}: {}", w.name, w.ends, decision.reason);
    } else if let Some(o) = &active_override {
        decision.reason = format!(
            "override ({} until {}): {}",
            override_state(o),
            o.until,
            decision.reason
        );
    }
    Planned {
        resource,
        key,
        schedule: name,
        desired: Some(desired.state.as_str()),
        decision,
        memory: remembered,
        active_override,
        expired_override,
    }
}

/// A resource as the inventory last saw it; None for a kind this build does not know.
pub(crate) fn resource_of(item: &InventoryItem) -> Option<Resource> {
    Some(Resource {
        id: item.cloud_id.clone(),
        provider: item.provider.clone(),
        kind: item.kind.parse().ok()?,
        account: item.account.clone(),
        region: item.region.clone(),
        state: ResourceState::parse(&item.state),
        raw_state: item.state.clone(),
        instance_type: item.instance_type.clone(),
        tags: item.tags.clone(),
        launched_at: None,
        maintenance_window: None,
    })
}

/// The inventory's row for a discovered resource, with its plan when it follows a schedule.
pub fn inventory_item(
    resource: &Resource,
    key: String,
    planned: Option<(&Planned, ScheduleSource)>,
) -> InventoryItem {
    let unschedulable = planned
        .filter(|(p, _)| p.desired.is_none())
        .map(|(p, _)| format!("no schedule named {:?}", p.schedule));
    InventoryItem {
        resource: key,
        provider: resource.provider.clone(),
        kind: resource.kind.as_str().to_owned(),
        account: resource.account.clone(),
        region: resource.region.clone(),
        cloud_id: resource.id.clone(),
        state: resource.state.as_str().to_owned(),
        instance_type: resource.instance_type.clone(),
        tags: resource.tags.clone(),
        schedule: planned.map(|(p, _)| p.schedule.clone()),
        schedule_source: planned.map(|(_, s)| s),
        unschedulable,
        desired: planned.and_then(|(p, _)| p.desired).map(str::to_owned),
        reason: planned.map(|(p, _)| p.decision.reason.clone()),
        // The store sets both from the update's instant.
        first_seen: Timestamp::UNIX_EPOCH,
        last_seen: Timestamp::UNIX_EPOCH,
    }
}

/// How many resources each action applies to, for summaries.
pub fn counts(planned: &[Planned]) -> HashMap<&'static str, usize> {
    let mut m = HashMap::new();
    for p in planned {
        *m.entry(p.decision.action.as_str()).or_default() += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use isched_schedule::Catalog;
    use isched_schedule::spec::CatalogSpec;

    fn catalog() -> Catalog {
        let spec: CatalogSpec = serde_json::from_str(
            r#"{"periods":[{"name":"office","begintime":"09:00","endtime":"17:00","weekdays":"mon-fri"}],
                "schedules":[{"name":"patched","timezone":"America/New_York","periods":["office"],
                              "use_maintenance_window":true}]}"#,
        )
        .expect("spec");
        Catalog::parse(&spec).expect("catalog")
    }

    fn database(state: ResourceState) -> Resource {
        Resource {
            id: "orders".into(),
            provider: "aws".into(),
            kind: ResourceKind::RdsInstance,
            account: "123456789012".into(),
            region: "us-east-1".into(),
            state,
            raw_state: String::new(),
            instance_type: Some("db.t3.medium".into()),
            tags: Default::default(),
            launched_at: None,
            maintenance_window: Some("thu:07:00-thu:08:00".into()),
        }
    }

    fn plan_at(state: ResourceState, at: &str, last: &str) -> Planned {
        let catalog = catalog();
        let at: Timestamp = at.parse().expect("instant");
        let resource = database(state);
        let schedule = catalog.schedule("patched").expect("schedule");
        let window = maintenance_window(schedule, &resource, &[], at);
        let memory = ResourceMemory {
            schedule: "patched".into(),
            last_desired: last.into(),
            last_reason: String::new(),
        };
        decide_for(
            &catalog,
            at,
            resource,
            "k".into(),
            "patched".into(),
            Some(memory),
            None,
            window,
        )
    }

    #[test]
    fn an_rds_database_runs_through_its_preferred_maintenance_window() {
        // Thursday 3 December 2026, 01:50 in New York: outside office hours.
        let p = plan_at(ResourceState::Stopped, "2026-12-03T06:50:00Z", "stopped");
        assert_eq!(p.decision.action, Action::Start, "{}", p.decision.reason);
        assert!(
            p.decision
                .reason
                .starts_with("in RDS preferred maintenance window thu:07:00-thu:08:00 until"),
            "{}",
            p.decision.reason
        );
        // Its end: the schedule decides again and stops it.
        let p = plan_at(ResourceState::Running, "2026-12-03T08:00:00Z", "running");
        assert!(
            matches!(p.decision.action, Action::Stop { .. }),
            "{}",
            p.decision.reason
        );
    }
}
