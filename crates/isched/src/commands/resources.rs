//! `isched resources list`: every resource the configured provider discovers.

use super::context::with_store;
use crate::cli::{Format, ResourcesCommand};
use isched_cloud::{Provider, Resource, TagFilter};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, cmd: ResourcesCommand) -> ExitCode {
    let ResourcesCommand::List { format } = cmd;
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
        let schedule = |r: &Resource| r.tags.get(&config.schedule_tag).cloned();
        match format {
            Format::Json => {
                let rows: Vec<_> = resources
                    .iter()
                    .map(|r| {
                        json!({
                            "id": r.id, "provider": r.provider, "kind": r.kind, "account": r.account,
                            "region": r.region, "state": r.state, "instance_type": r.instance_type,
                            "tags": r.tags, "schedule": schedule(r),
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
                    println!(
                        "{:<22} {:<17} {:<14} {:<10} {:<13} {}",
                        r.id,
                        r.kind.as_str(),
                        r.region,
                        r.state.as_str(),
                        r.instance_type.as_deref().unwrap_or("-"),
                        schedule(r).unwrap_or_else(|| "-".into())
                    );
                }
                println!("{} resource(s)", resources.len());
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
