//! `isched plan`: for every resource tagged with a schedule, what the engine would do at an
//! instant and why. Changes nothing.

use crate::decide::{Action, Decision, LastDesired, decide};
use crate::definitions::{DefinitionError, Definitions};
use isched_cloud::{CloudError, Provider, Resource, TagFilter};
use isched_store::Store;
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

pub fn resource_key(r: &Resource) -> String {
    format!("{}:{}:{}:{}", r.provider, r.account, r.region, r.id)
}

/// Decides for every resource carrying `schedule_tag`, at `at`.
pub async fn plan(
    provider: &dyn Provider,
    store: &Store,
    schedule_tag: &str,
    at: Timestamp,
) -> Result<Vec<Planned>, EngineError> {
    let catalog = Definitions::new(store.clone()).catalog().await?;
    let memory = store.resource_states().await?;
    let filter = TagFilter::keys(&[schedule_tag]);
    let targets = provider
        .targets()
        .await
        .map_err(|error| EngineError::Cloud {
            target: "targets".into(),
            error,
        })?;
    let mut out = Vec::new();
    for target in targets {
        let resources =
            provider
                .discover(&target, &filter)
                .await
                .map_err(|error| EngineError::Cloud {
                    target: target.to_string(),
                    error,
                })?;
        for resource in resources {
            let Some(name) = resource.tags.get(schedule_tag).map(|v| v.trim().to_owned()) else {
                continue;
            };
            let key = resource_key(&resource);
            let remembered = memory.get(&key).cloned();
            out.push(match catalog.schedule(&name) {
                None => Planned {
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
                },
                Some(schedule) => {
                    let desired = schedule.state_at(at).to_owned();
                    // A resource moved to another schedule starts afresh.
                    let last = remembered
                        .as_ref()
                        .filter(|m| m.schedule == name)
                        .and_then(|m| LastDesired::parse(&m.last_desired));
                    let decision = decide(
                        resource.state,
                        resource.instance_type.as_deref(),
                        &desired,
                        last,
                        schedule.flags(),
                    );
                    Planned {
                        resource,
                        key,
                        schedule: name,
                        desired: Some(desired.state.as_str()),
                        decision,
                        memory: remembered,
                    }
                }
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// How many resources each action applies to, for summaries.
pub fn counts(planned: &[Planned]) -> HashMap<&'static str, usize> {
    let mut m = HashMap::new();
    for p in planned {
        *m.entry(p.decision.action.as_str()).or_default() += 1;
    }
    m
}
