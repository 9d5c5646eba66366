//! `isched templates list|show|create|update|retire|delete`, on the database in the
//! configuration, through the engine (audited as `cli`).

use super::context::with_engine;
use super::definitions::{read_one, report};
use crate::cli::{Format, TemplatesCommand};
use isched_engine::templates::TemplateInput;
use isched_engine::{Actor, Engine};
use isched_store::templates::StoredTemplate;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, cmd: TemplatesCommand) -> ExitCode {
    with_engine(config_file, None, |_config, engine| async move {
        let cli = Actor::cli();
        match cmd {
            TemplatesCommand::List { retired, format } => list(&engine, retired, format).await?,
            TemplatesCommand::Show { name, format } => {
                let t = engine.template(&name).await?;
                let v = as_json(&engine, &t);
                match format {
                    Format::Json => println!("{v}"),
                    Format::Text => print!("{}", serde_yaml_ng::to_string(&v)?),
                }
            }
            TemplatesCommand::Create { file } => {
                let input: TemplateInput = read_one(&file)?;
                match engine.create_template(&cli, input).await {
                    Ok(t) => println!("Created template {}.", t.name),
                    Err(e) => return report(e),
                }
            }
            TemplatesCommand::Update { name, file } => {
                let input: TemplateInput = read_one(&file)?;
                match engine.update_template(&cli, &name, input).await {
                    Ok(_) => println!("Updated template {name}."),
                    Err(e) => return report(e),
                }
            }
            TemplatesCommand::Retire { name } => {
                engine.retire_template(&cli, &name).await?;
                println!("Retired template {name}: no new instances from it.");
            }
            TemplatesCommand::Delete { name } => {
                engine.delete_template(&cli, &name).await?;
                println!("Deleted template {name}.");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The stored template with the price of each type, as `show` and `--format json` print.
fn as_json(engine: &Engine, t: &StoredTemplate) -> Value {
    let mut v = serde_json::to_value(t).expect("a template serialises");
    v["prices"] = serde_json::to_value(engine.template_prices(&t.spec)).expect("prices");
    v
}

async fn list(engine: &Engine, retired: bool, format: Format) -> anyhow::Result<()> {
    let mut after: Option<String> = None;
    let mut rows = Vec::new();
    loop {
        let (page, more) = engine.templates(retired, after.as_deref(), 1000).await?;
        after = page.last().map(|t| t.name.clone());
        rows.extend(page);
        if !more {
            break;
        }
    }
    if format == Format::Text {
        println!(
            "{:<24} {:<12} {:<14} {:<20} {:<16} {:>9}  STATUS",
            "NAME", "PROVIDER", "REGION", "TYPES", "SCHEDULE", "LIFETIME"
        );
    }
    for t in &rows {
        match format {
            Format::Json => println!("{}", as_json(engine, t)),
            Format::Text => println!(
                "{:<24} {:<12} {:<14} {:<20} {:<16} {:>8}h  {}",
                t.name,
                t.spec.provider,
                t.spec.region,
                t.spec.instance_types.join(","),
                t.spec.schedule,
                t.spec.max_lifetime_hours,
                if t.retired_at.is_some() {
                    "retired"
                } else {
                    "in service"
                }
            ),
        }
    }
    Ok(())
}
