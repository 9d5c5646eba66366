//! Assigning a schedule to a resource through the API or CLI, without touching its tags.
//! The assignment wins over the `Schedule` tag; clearing it hands the resource back to
//! its tag (or to nothing).

use crate::definitions::{DefinitionError, Definitions};
use crate::plan::{EngineError, all_targets, resource_key};
use isched_cloud::{Provider, Resource, TagFilter};
use isched_store::Store;
use isched_store::scheduling::HistoryEntry;
use jiff::Timestamp;

/// Finds a discovered resource by its cloud id or its `provider:account:region:id` key.
pub async fn find_resource(provider: &dyn Provider, id: &str) -> Result<Resource, EngineError> {
    let mut found = Vec::new();
    for target in all_targets(provider).await? {
        let resources = provider
            .discover(&target, &TagFilter::default())
            .await
            .map_err(|error| EngineError::Cloud {
                target: target.to_string(),
                error,
            })?;
        found.extend(
            resources
                .into_iter()
                .filter(|r| r.id == id || resource_key(r) == id),
        );
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(DefinitionError::NotFound("resource", id.to_owned()).into()),
        n => Err(DefinitionError::Invalid(vec![format!(
            "resource: {id:?} names {n} resources (same id in several accounts or regions); use provider:account:region:id"
        )])
        .into()),
    }
}

/// Assigns `schedule` to the resource `id` (Some) or removes its assignment (None).
/// Returns the resource's key.
pub async fn assign(
    provider: &dyn Provider,
    store: &Store,
    id: &str,
    schedule: Option<&str>,
    actor: &str,
    now: Timestamp,
) -> Result<String, EngineError> {
    let resource = find_resource(provider, id).await?;
    let key = resource_key(&resource);
    let (outcome, reason) = match schedule {
        Some(name) => {
            let catalog = Definitions::new(store.clone()).catalog().await?;
            if catalog.schedule(name).is_none() {
                return Err(DefinitionError::NotFound("schedule", name.to_owned()).into());
            }
            store.assign_schedule(&key, name, actor, now).await?;
            ("schedule assigned", format!("{actor} assigned {name:?}"))
        }
        None => {
            if !store.unassign_schedule(&key).await? {
                return Ok(key);
            }
            (
                "assignment removed",
                format!("{actor} removed the assignment; the tag decides again"),
            )
        }
    };
    store
        .append_history(&HistoryEntry {
            at: now,
            resource: key.clone(),
            schedule: schedule.map(str::to_owned),
            action: "none".into(),
            outcome: outcome.into(),
            reason,
        })
        .await?;
    Ok(key)
}
