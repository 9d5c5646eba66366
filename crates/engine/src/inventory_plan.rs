//! The plan over the stored inventory, for the plan page: resources as the scheduler last
//! saw them, decided at any instant without a call to the cloud. Resources that share every
//! input of a decision are decided once (a fleet of 10,000 on a few schedules is a handful
//! of groups, see `Store::inventory_plan_groups`); only the resources listed are read whole.

use crate::decide::Action;
use crate::definitions::Definitions;
use crate::plan::{EngineError, OVERRIDE_TAG, Planned, decide_for, override_of, resource_of};
use isched_cloud::{Resource, ResourceState};
use isched_store::Store;
use isched_store::plan_groups::PlanGroup;
use isched_store::scheduling::ResourceMemory;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// A decision shared by a number of resources.
#[derive(Debug, Clone)]
pub struct PlanLine {
    pub schedule: String,
    pub state: &'static str,
    pub desired: Option<&'static str>,
    pub action: &'static str,
    pub reason: String,
    pub count: usize,
}

#[derive(Debug, Clone, Default)]
pub struct InventoryPlan {
    /// Resources planned for.
    pub total: usize,
    /// Resources each action applies to.
    pub by_action: BTreeMap<&'static str, usize>,
    /// Every distinct decision and how many resources get it: those that act first.
    pub lines: Vec<PlanLine>,
    /// The first resources (in key order) to act on, then the first with nothing to do.
    pub listed: Vec<Planned>,
    /// When the resource seen longest ago was last seen.
    pub oldest_seen: Option<Timestamp>,
}

impl InventoryPlan {
    /// The same view of a plan made live (every resource decided on its own).
    pub fn of_planned(planned: Vec<Planned>, changes: usize, unchanged: usize) -> InventoryPlan {
        let mut plan = InventoryPlan {
            total: planned.len(),
            ..InventoryPlan::default()
        };
        let mut lines: BTreeMap<LineKey, PlanLine> = BTreeMap::new();
        for p in &planned {
            *plan
                .by_action
                .entry(p.decision.action.as_str())
                .or_default() += 1;
            count_line(&mut lines, p, 1);
        }
        plan.lines = lines.into_values().collect();
        let (mut acting, mut idle): (Vec<Planned>, Vec<Planned>) = planned
            .into_iter()
            .partition(|p| p.decision.action != Action::None);
        acting.sort_by(|a, b| a.key.cmp(&b.key));
        idle.sort_by(|a, b| a.key.cmp(&b.key));
        acting.truncate(changes);
        idle.truncate(unchanged);
        plan.listed = acting.into_iter().chain(idle).collect();
        plan
    }
}

/// Acting lines first, then by schedule, action, reason and state.
type LineKey = (bool, String, &'static str, String, &'static str);

fn count_line(lines: &mut BTreeMap<LineKey, PlanLine>, p: &Planned, n: usize) {
    let action = p.decision.action.as_str();
    let state = p.resource.state.as_str();
    lines
        .entry((
            p.decision.action == Action::None,
            p.schedule.clone(),
            action,
            p.decision.reason.clone(),
            state,
        ))
        .or_insert_with(|| PlanLine {
            schedule: p.schedule.clone(),
            state,
            desired: p.desired,
            action,
            reason: p.decision.reason.clone(),
            count: 0,
        })
        .count += n;
}

/// A group's decision, decided for a stand-in resource with the group's inputs.
fn decide_group(
    catalog: &isched_schedule::Catalog,
    g: &PlanGroup,
    at: Timestamp,
) -> Option<Planned> {
    let resource = Resource {
        id: String::new(),
        provider: String::new(),
        kind: g.kind.parse().ok()?,
        account: String::new(),
        region: String::new(),
        state: ResourceState::parse(&g.state),
        raw_state: g.state.clone(),
        instance_type: g.instance_type.clone(),
        tags: g
            .tagged_override
            .iter()
            .map(|t| (OVERRIDE_TAG.to_owned(), t.clone()))
            .collect(),
        launched_at: None,
        maintenance_window: None,
    };
    let remembered = g.remembered.as_ref().map(|last| ResourceMemory {
        schedule: g.schedule.clone(),
        last_desired: last.clone(),
        last_reason: String::new(),
    });
    let from_api = g
        .stored_override
        .as_ref()
        .and_then(|(state, until)| override_of(state, *until));
    Some(decide_for(
        catalog,
        at,
        resource,
        String::new(),
        g.schedule.clone(),
        remembered,
        from_api,
        // The inventory keeps no maintenance windows: "Ask the cloud" plans with them.
        None,
    ))
}

/// Plans at `at`, listing up to `changes` resources to act on and `unchanged` others.
pub async fn plan_inventory(
    store: &Store,
    at: Timestamp,
    changes: usize,
    unchanged: usize,
) -> Result<InventoryPlan, EngineError> {
    let catalog = Definitions::new(store.clone()).catalog().await?;
    let groups = store.inventory_plan_groups(OVERRIDE_TAG).await?;
    let mut plan = InventoryPlan::default();
    let mut decided: Vec<(usize, Planned)> = Vec::new();
    let mut lines: BTreeMap<LineKey, PlanLine> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        let Some(p) = decide_group(&catalog, g, at) else {
            continue;
        };
        let n = g.resources.len();
        let action = p.decision.action.as_str();
        plan.total += n;
        *plan.by_action.entry(action).or_default() += n;
        plan.oldest_seen = Some(
            plan.oldest_seen
                .map_or(g.oldest_seen, |o| o.min(g.oldest_seen)),
        );
        count_line(&mut lines, &p, n);
        decided.push((i, p));
    }
    plan.lines = lines.into_values().collect();

    // The first keys of each kind, then those rows read whole.
    let mut acting: Vec<(&str, usize)> = Vec::new();
    let mut idle: Vec<(&str, usize)> = Vec::new();
    for (d, (i, p)) in decided.iter().enumerate() {
        let into = if p.decision.action != Action::None {
            &mut acting
        } else {
            &mut idle
        };
        into.extend(groups[*i].resources.iter().map(|k| (k.as_str(), d)));
    }
    let mut chosen = Vec::new();
    for (list, limit) in [(&mut acting, changes), (&mut idle, unchanged)] {
        list.sort_unstable_by(|a, b| a.0.cmp(b.0));
        list.truncate(limit);
        chosen.extend(list.iter().copied());
    }
    let of: std::collections::HashMap<&str, usize> = chosen.iter().copied().collect();
    let keys: Vec<String> = chosen.iter().map(|(k, _)| (*k).to_owned()).collect();
    for item in store.inventory_items(&keys).await? {
        let (Some(&d), Some(resource)) = (of.get(item.resource.as_str()), resource_of(&item))
        else {
            continue;
        };
        let group = &decided[d].1;
        plan.listed.push(Planned {
            resource,
            key: item.resource,
            ..group.clone()
        });
    }
    // Those to act on first, each part in key order.
    plan.listed
        .sort_by_key(|p| (p.decision.action == Action::None, p.key.clone()));
    Ok(plan)
}
