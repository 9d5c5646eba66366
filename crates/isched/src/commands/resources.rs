//! `isched resources list|assign|unassign`: every resource the configured provider
//! discovers with the schedule it follows, and schedules assigned without tags.

use super::context::with_store;
use crate::cli::{Format, ResourcesCommand};
use isched_cloud::{Provider, Resource, TagFilter};
use isched_engine::definitions::Definitions;
use isched_engine::plan::resource_key;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, cmd: ResourcesCommand) -> ExitCode {
    match cmd {
        ResourcesCommand::List { format } => list(config_file, format),
        ResourcesCommand::Assign { resource, schedule } => {
            assign(config_file, resource, Some(schedule))
        }
        ResourcesCommand::Unassign { resource } => assign(config_file, resource, None),
    }
}

fn assign(config_file: Option<&Path>, resource: String, schedule: Option<String>) -> ExitCode {
    with_store(config_file, move |config, store| async move {
        let provider = crate::providers::build(&config, &store).await;
        let key = isched_engine::assign::assign(
            provider.as_ref(),
            &store,
            &resource,
            schedule.as_deref(),
            "cli",
            jiff::Timestamp::now(),
        )
        .await?;
        match schedule {
            Some(s) => println!("{key}: follows schedule {s:?}"),
            None => println!("{key}: no assigned schedule; its tag decides"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn list(config_file: Option<&Path>, format: Format) -> ExitCode {
    with_store(config_file, move |config, store| async move {
        let provider = crate::providers::build(&config, &store).await;
        let mut resources: Vec<Resource> = Vec::new();
        for target in provider.targets().await? {
            resources.extend(
                provider
                    .discover(&target, &TagFilter::default())
                    .await
                    .map_err(|e| anyhow::anyhow!("discovering {target}: {e}"))?,
            );
        }
        resources
            .sort_by(|a, b| (&a.account, &a.region, &a.id).cmp(&(&b.account, &b.region, &b.id)));
        let assignments = store.assignments().await?;
        let catalog = Definitions::new(store.clone()).catalog().await?;
        // The assignment wins over the tag, as in the scheduler.
        let schedule = |r: &Resource| {
            assignments
                .get(&resource_key(r))
                .map(|a| a.schedule.clone())
                .or_else(|| {
                    r.tags
                        .get(&config.schedule_tag)
                        .map(|v| v.trim().to_owned())
                })
        };
        let unschedulable = |r: &Resource| {
            schedule(r)
                .filter(|s| catalog.schedule(s).is_none())
                .map(|s| format!("no schedule named {s:?}"))
        };
        match format {
            Format::Json => {
                let rows: Vec<_> = resources
                    .iter()
                    .map(|r| {
                        json!({
                            "id": r.id, "provider": r.provider, "kind": r.kind, "account": r.account,
                            "region": r.region, "state": r.state, "instance_type": r.instance_type,
                            "tags": r.tags, "schedule": schedule(r),
                            "unschedulable": unschedulable(r),
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            }
            Format::Text => {
                if provider.name() == "sandbox" {
                    println!("(sandbox provider: simulated resources)");
                }
                println!(
                    "{:<22} {:<17} {:<14} {:<10} {:<13} SCHEDULE",
                    "ID", "KIND", "REGION", "STATE", "TYPE"
                );
                for r in &resources {
                    let shown = match (schedule(r), unschedulable(r)) {
                        (_, Some(why)) => format!("unschedulable: {why}"),
                        (Some(s), None) => s,
                        (None, None) => "-".into(),
                    };
                    println!(
                        "{:<22} {:<17} {:<14} {:<10} {:<13} {}",
                        r.id,
                        r.kind.as_str(),
                        r.region,
                        r.state.as_str(),
                        r.instance_type.as_deref().unwrap_or("-"),
                        shown
                    );
                }
                println!("{} resource(s)", resources.len());
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
