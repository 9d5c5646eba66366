//! `isched reconcile --once`: plan, act through the provider (starts and stops in batches
//! per target, resizes one by one), remember each resource's new desired state, and record
//! every action and every new reason for not acting in the history.

use crate::action_tags::ActionTags;
use crate::decide::Action;
use crate::plan::{
    Discovery, EngineError, Plan, Planned, all_targets, plan_targets, target_key_prefix,
};
use isched_cloud::{
    CloudError, ErrorKind, Provider, ResourceRef, ResourceState, TagFilter, Target,
};
use isched_store::Store;
use isched_store::scheduling::{HistoryEntry, PassRecord, ResourceMemory};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// What became of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do.
    None,
    /// The cloud accepted the action.
    Ok,
    /// The cloud refused or failed it; the next pass tries again.
    Failed(String),
    /// Plan-only mode (`ISCHED_DRY_RUN`): the action was recorded, not made.
    DryRun,
}

impl Outcome {
    fn of<E: std::fmt::Display>(result: Result<(), E>) -> Outcome {
        match result {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }

    /// The error of a failed action.
    pub fn error(&self) -> Option<&str> {
        match self {
            Outcome::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// As history stores it: `none`, `ok`, `failed: ...`, `dry run`.
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::None => f.write_str("none"),
            Outcome::Ok => f.write_str("ok"),
            Outcome::Failed(e) => write!(f, "failed: {e}"),
            Outcome::DryRun => f.write_str("dry run"),
        }
    }
}

/// Whether a pass acts on its decisions or only records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Acting {
    #[default]
    Act,
    /// Plan-only: every decision is recorded as a pass would (history, the schedule's
    /// memory), and the cloud is not touched, so running beside another scheduler shows
    /// what isched would have done, transition by transition.
    DryRun,
}

/// A decision and what became of it.
#[derive(Debug, Clone)]
pub struct Done {
    pub planned: Planned,
    pub outcome: Outcome,
}

impl Done {
    /// Whether the resource runs once this pass is done: as it was found, unless a start,
    /// resize or stop of this pass succeeded.
    pub fn runs_after(&self) -> bool {
        let ok = self.outcome == Outcome::Ok;
        match self.planned.decision.action {
            Action::Start | Action::Resize { .. } if ok => true,
            Action::Stop { .. } if ok => false,
            _ => matches!(
                self.planned.resource.state,
                ResourceState::Running | ResourceState::Pending
            ),
        }
    }
}

/// Account, region, `start` or `stop`, hibernate.
type BatchKey = (String, String, &'static str, bool);

/// How long a resize waits for an instance to stop.
const STOP_WAIT: Duration = Duration::from_secs(300);

pub async fn reconcile(
    provider: &dyn Provider,
    store: &Store,
    schedule_tag: &str,
    at: Timestamp,
    tags: &ActionTags,
) -> Result<Vec<Done>, EngineError> {
    let targets = all_targets(provider).await?;
    reconcile_targets(
        provider,
        store,
        schedule_tag,
        at,
        &targets,
        Acting::Act,
        tags,
    )
    .await
}

/// One pass over the resources of `targets` only; `tags` are written back on what it acted
/// on.
pub async fn reconcile_targets(
    provider: &dyn Provider,
    store: &Store,
    schedule_tag: &str,
    at: Timestamp,
    targets: &[Target],
    acting: Acting,
    tags: &ActionTags,
) -> Result<Vec<Done>, EngineError> {
    let Plan {
        mut planned,
        seen: inventory,
    } = plan_targets(
        provider,
        store,
        schedule_tag,
        at,
        targets,
        Discovery::Scheduled,
    )
    .await?;
    let mut by_state: BTreeMap<&'static str, usize> = BTreeMap::new();
    for p in &planned {
        *by_state.entry(p.resource.state.as_str()).or_default() += 1;
    }
    for state in [
        "pending",
        "running",
        "stopping",
        "stopped",
        "terminated",
        "other",
    ] {
        metrics::gauge!("isched_resources", "state" => state)
            .set(by_state.get(state).copied().unwrap_or(0) as f64);
    }
    let mut record = PassRecord {
        at,
        ..PassRecord::default()
    };
    let outcomes = match acting {
        Acting::Act => {
            // What a killed pass left in progress, settled by what this one sees; then
            // this pass's own actions, written before it makes them.
            let left = store.actions_in_progress().await?;
            record.history = crate::interrupted::settle(left, &planned, at);
            let intents = crate::interrupted::intents(&planned, at);
            record.settled = record
                .history
                .iter()
                .chain(&intents)
                .map(|e| e.resource.clone())
                .collect();
            if !intents.is_empty() {
                store
                    .record_pass(&PassRecord {
                        at,
                        history: intents,
                        ..PassRecord::default()
                    })
                    .await?;
            }
            let outcomes = act(provider, &mut planned).await;
            if !tags.is_off() {
                let retags = tags.changes(&planned, &outcomes, at);
                crate::action_tags::write(provider, &retags).await;
            }
            outcomes
        }
        Acting::DryRun => planned
            .iter()
            .filter(|p| p.decision.action != Action::None)
            .map(|p| (p.key.clone(), Outcome::DryRun))
            .collect(),
    };
    record_pass(
        provider, store, targets, planned, outcomes, inventory, record,
    )
    .await
}

/// Makes the decisions' actions: starts and stops in batches, resizes one by one, then
/// the preferred types of those refused for capacity (which may turn a start into a resize).
async fn act(provider: &dyn Provider, planned: &mut [Planned]) -> HashMap<String, Outcome> {
    let mut results: HashMap<String, Result<(), CloudError>> = HashMap::new();
    // Batches per target and kind of action.
    let mut batches: BTreeMap<BatchKey, (Target, Vec<(String, ResourceRef)>)> = BTreeMap::new();
    for p in planned.iter() {
        let (kind, hibernate) = match p.decision.action {
            Action::Start => ("start", false),
            Action::Stop { hibernate } => ("stop", hibernate),
            _ => continue,
        };
        let t = p.resource.target();
        batches
            .entry((t.account.clone(), t.region.clone(), kind, hibernate))
            .or_insert_with(|| (t, Vec::new()))
            .1
            .push((p.key.clone(), p.resource.reference()));
    }
    // All batches at once: a target's calls do not wait for another target's (the provider
    // bounds its own concurrency per target), so a transition reaches every target together.
    let calls =
        batches
            .into_iter()
            .map(|((_, _, kind, hibernate), (target, members))| async move {
                let refs: Vec<ResourceRef> = members.iter().map(|(_, r)| r.clone()).collect();
                let results = if kind == "start" {
                    provider.start(&target, &refs).await
                } else {
                    provider.stop(&target, &refs, hibernate).await
                };
                (members, results)
            });
    for (members, answers) in futures_util::future::join_all(calls).await {
        for ((key, _), answer) in members.iter().zip(answers) {
            results.insert(key.clone(), answer.outcome);
        }
    }
    for p in planned.iter() {
        if let Action::Resize { to } = &p.decision.action {
            results.insert(p.key.clone(), resize(provider, p, to).await);
        }
    }
    let mut outcomes = HashMap::with_capacity(results.len());
    for p in planned.iter_mut() {
        if let Some(result) = results.remove(&p.key) {
            let result = crate::preferred_types::fall_back(provider, p, result).await;
            outcomes.insert(p.key.clone(), Outcome::of(result));
        }
    }
    outcomes
}

/// Records a pass: history, each resource's memory, running intervals and the inventory.
/// `record` holds what the pass settled of an interrupted one.
async fn record_pass(
    provider: &dyn Provider,
    store: &Store,
    targets: &[Target],
    planned: Vec<Planned>,
    mut outcomes: HashMap<String, Outcome>,
    mut inventory: isched_store::inventory::InventoryUpdate,
    mut record: PassRecord,
) -> Result<Vec<Done>, EngineError> {
    // History is kept on the evaluation instant, so that a replay with --at reads as the
    // day it replays.
    let now = record.at;
    let mut done = Vec::with_capacity(planned.len());
    for p in planned {
        if p.expired_override {
            record.cleared_overrides.push(p.key.clone());
            record.history.push(HistoryEntry {
                at: now,
                resource: p.key.clone(),
                schedule: Some(p.schedule.clone()),
                action: "none".into(),
                outcome: "override expired".into(),
                reason: "the override expired; the schedule decides again".into(),
            });
        }
        let acted = p.decision.action != Action::None;
        let outcome = outcomes.remove(&p.key).unwrap_or(Outcome::None);
        let counted = match &outcome {
            Outcome::Failed(_) => "failed",
            Outcome::DryRun => "dry_run",
            Outcome::Ok => "ok",
            Outcome::None => "none",
        };
        metrics::counter!("isched_actions_total", "kind" => p.decision.action.as_str(), "outcome" => counted).increment(1);
        // A dry run remembers the decision as made, so the next transition is the next one
        // recorded (as the scheduler beside it acts once per transition).
        let succeeded = !outcome.is_failed();
        let previous = p
            .memory
            .as_ref()
            .filter(|m| m.schedule == p.schedule)
            .map(|m| m.last_desired.clone())
            .unwrap_or_default();
        // A failed action keeps the old desired state, so the next pass tries again.
        let last_desired = match (succeeded, p.decision.record) {
            (true, Some(r)) => r.as_str().to_owned(),
            _ => previous,
        };
        let new_reason = p
            .memory
            .as_ref()
            .is_none_or(|m| m.last_reason != p.decision.reason);
        if acted || new_reason {
            record.history.push(HistoryEntry {
                at: now,
                resource: p.key.clone(),
                schedule: Some(p.schedule.clone()),
                action: p.decision.action.as_str().into(),
                outcome: outcome.to_string(),
                reason: p.decision.reason.clone(),
            });
        }
        let memory = ResourceMemory {
            schedule: p.schedule.clone(),
            last_desired,
            last_reason: p.decision.reason.clone(),
        };
        if p.memory.as_ref() != Some(&memory) {
            record.states.push((p.key.clone(), memory));
        }
        done.push(Done {
            planned: p,
            outcome,
        });
    }
    running_intervals(provider, store, targets, &done, &mut record).await?;
    store.record_pass(&record).await?;
    after_actions(&mut inventory, &done);
    store.update_inventory(&inventory).await?;
    Ok(done)
}

/// The inventory shows a resource acted on in the state the action leaves it in (as the
/// cloud would report it right after the call), not the state it was found in.
fn after_actions(inventory: &mut isched_store::inventory::InventoryUpdate, done: &[Done]) {
    let moved: HashMap<&str, &Action> = done
        .iter()
        .filter(|d| d.outcome == Outcome::Ok)
        .map(|d| (d.planned.key.as_str(), &d.planned.decision.action))
        .collect();
    for item in &mut inventory.items {
        match moved.get(item.resource.as_str()) {
            Some(Action::Start) => item.state = ResourceState::Pending.as_str().into(),
            Some(Action::Stop { .. }) => item.state = ResourceState::Stopping.as_str().into(),
            Some(Action::Resize { to }) => {
                item.state = ResourceState::Pending.as_str().into();
                item.instance_type = Some(to.clone());
            }
            Some(Action::None) | None => {}
        }
    }
}

/// Opens a running interval for each resource that runs after this pass and had none, and
/// closes the open interval of each that no longer runs (or is gone from its target).
async fn running_intervals(
    provider: &dyn Provider,
    store: &Store,
    targets: &[Target],
    done: &[Done],
    record: &mut PassRecord,
) -> Result<(), EngineError> {
    let open = store.open_intervals().await?;
    let mut seen = std::collections::HashSet::new();
    for d in done {
        let key = &d.planned.key;
        seen.insert(key.as_str());
        match (d.runs_after(), open.contains(key)) {
            (true, false) => record.started_running.push(key.clone()),
            (false, true) => record.stopped_running.push(key.clone()),
            _ => {}
        }
    }
    let prefixes: Vec<String> = targets
        .iter()
        .map(|t| target_key_prefix(provider.name(), t))
        .collect();
    record.stopped_running.extend(
        open.iter()
            .filter(|k| !seen.contains(k.as_str()))
            .filter(|k| prefixes.iter().any(|p| k.starts_with(p)))
            .cloned(),
    );
    Ok(())
}

/// Stop (when running), wait for stopped, change the type, start.
pub(crate) async fn resize(
    provider: &dyn Provider,
    p: &Planned,
    to: &str,
) -> Result<(), CloudError> {
    let target = p.resource.target();
    let reference = p.resource.reference();
    if p.resource.state != ResourceState::Stopped {
        let r = provider
            .stop(&target, std::slice::from_ref(&reference), false)
            .await;
        if let Some(Err(e)) = r.into_iter().next().map(|r| r.outcome) {
            return Err(e);
        }
        let deadline = std::time::Instant::now() + STOP_WAIT;
        loop {
            let found = provider.discover(&target, &TagFilter::default()).await?;
            if found
                .iter()
                .any(|r| r.id == p.resource.id && r.state == ResourceState::Stopped)
            {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(CloudError::new(
                    ErrorKind::Unavailable,
                    "did not stop within 5 minutes",
                ));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    provider
        .modify_instance_type(&target, &reference, to)
        .await?;
    let r = provider
        .start(&target, std::slice::from_ref(&reference))
        .await;
    match r.into_iter().next().map(|r| r.outcome) {
        Some(Err(e)) => Err(e),
        _ => Ok(()),
    }
}
