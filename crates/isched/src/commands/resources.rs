//! `isched resources list|assign|unassign`: the inventory of cloud resources with the
//! schedule each follows, and schedules assigned without tags.

use super::context::with_engine;
use crate::cli::{Format, ResourcesCommand};
use isched_engine::{Actor, Engine};
use isched_store::inventory::{InventoryItem, InventoryQuery};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, cmd: ResourcesCommand) -> ExitCode {
    match cmd {
        ResourcesCommand::List {
            refresh,
            region,
            state,
            schedule,
            tag,
            unschedulable,
            format,
        } => {
            let query = InventoryQuery {
                region,
                state,
                schedule,
                tag: tag.map(InventoryQuery::tag_filter),
                unschedulable: unschedulable.then_some(true),
                ..InventoryQuery::default()
            };
            list(config_file, refresh, query, format)
        }
        ResourcesCommand::Assign { resource, schedule } => {
            assign(config_file, resource, Some(schedule))
        }
        ResourcesCommand::Unassign { resource } => assign(config_file, resource, None),
    }
}

fn assign(config_file: Option<&Path>, resource: String, schedule: Option<String>) -> ExitCode {
    with_engine(config_file, None, move |_config, engine| async move {
        let key = engine
            .assign_schedule(&Actor::cli(), &resource, schedule.as_deref())
            .await?;
        match schedule {
            Some(s) => println!("{key}: follows schedule {s:?}"),
            None => println!("{key}: no assigned schedule; its tag decides"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Every page of the inventory that matches.
async fn everything(
    engine: &Engine,
    mut query: InventoryQuery,
) -> anyhow::Result<Vec<InventoryItem>> {
    query.limit = 1000;
    let mut all = Vec::new();
    loop {
        let (items, more) = engine.inventory(&query).await?;
        query.after = items.last().map(|i| i.resource.clone());
        all.extend(items);
        if !more {
            return Ok(all);
        }
    }
}

fn list(
    config_file: Option<&Path>,
    refresh: bool,
    query: InventoryQuery,
    format: Format,
) -> ExitCode {
    with_engine(config_file, None, move |_config, engine| async move {
        // A fresh database has seen nothing yet: look, rather than answer "none".
        if refresh || engine.store().inventory_len().await? == 0 {
            engine.refresh_inventory().await?;
        }
        let resources = everything(&engine, query).await?;
        match format {
            Format::Json => {
                let rows: Vec<_> = resources
                    .iter()
                    .map(|r| {
                        json!({
                            "id": r.cloud_id, "resource": r.resource, "provider": r.provider,
                            "kind": r.kind, "account": r.account, "region": r.region,
                            "state": r.state, "instance_type": r.instance_type, "tags": r.tags,
                            "schedule": r.schedule,
                            "schedule_source": r.schedule_source.map(|s| s.as_str()),
                            "unschedulable": r.unschedulable, "last_seen": r.last_seen,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            }
            Format::Text => {
                if engine.provider().name() == "sandbox" {
                    println!("(sandbox provider: simulated resources)");
                }
                println!(
                    "{:<22} {:<17} {:<14} {:<10} {:<13} {:<20} SCHEDULE",
                    "ID", "KIND", "REGION", "STATE", "TYPE", "LAST SEEN"
                );
                for r in &resources {
                    let shown = match (&r.schedule, &r.unschedulable) {
                        (_, Some(why)) => format!("unschedulable: {why}"),
                        (Some(s), None) => s.clone(),
                        (None, None) => "-".into(),
                    };
                    println!(
                        "{:<22} {:<17} {:<14} {:<10} {:<13} {:<20} {}",
                        r.cloud_id,
                        r.kind,
                        r.region,
                        r.state,
                        r.instance_type.as_deref().unwrap_or("-"),
                        r.last_seen.strftime("%Y-%m-%d %H:%M:%S"),
                        shown
                    );
                }
                println!("{} resource(s)", resources.len());
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
