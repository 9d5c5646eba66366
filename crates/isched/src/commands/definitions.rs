//! `isched periods|schedules|calendars list|show|create|update|delete` and
//! `isched schedules import|export FILE`, on the database in the configuration.

use super::context::with_store;
use super::schedule::file::read_spec;
use crate::cli::{DefinitionCommand, Format, SchedulesCommand};
use anyhow::Context;
use isched_engine::definitions::{DefinitionError, Definitions, Kind};
use isched_store::Store;
use isched_store::audit::NewAuditEntry;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, kind: Kind, cmd: DefinitionCommand) -> ExitCode {
    with_store(config_file, |_config, store| async move {
        common(&store, kind, cmd).await
    })
}

pub fn run_schedules(config_file: Option<&Path>, cmd: SchedulesCommand) -> ExitCode {
    with_store(config_file, |_config, store| async move {
        match cmd {
            SchedulesCommand::Common(c) => common(&store, Kind::Schedule, c).await,
            SchedulesCommand::Import { file } => import(&store, &file).await,
            SchedulesCommand::Export { file } => export(&store, &file).await,
        }
    })
}

/// Validation problems, one per line, then exit 1.
fn report(e: DefinitionError) -> anyhow::Result<ExitCode> {
    match e {
        DefinitionError::Invalid(problems) => {
            for p in problems {
                eprintln!("{p}");
            }
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}

async fn audit(store: &Store, action: &str, target: &str) -> anyhow::Result<()> {
    store
        .append_audit(NewAuditEntry {
            at: jiff::Timestamp::now(),
            actor: "cli",
            action,
            target: Some(target),
            detail: serde_json::json!({}),
        })
        .await?;
    Ok(())
}

fn read_one(file: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    // YAML is a superset of JSON, so one parser reads both; its errors carry the line.
    serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{} is not YAML or JSON", file.display()))
}

async fn common(store: &Store, kind: Kind, cmd: DefinitionCommand) -> anyhow::Result<ExitCode> {
    let defs = Definitions::new(store.clone());
    let now = jiff::Timestamp::now();
    match cmd {
        DefinitionCommand::List { format } => {
            let items = defs.list(kind).await?;
            for item in &items {
                match format {
                    Format::Json => println!("{item}"),
                    Format::Text => println!("{}", summary(kind, item)),
                }
            }
        }
        DefinitionCommand::Show { name, format } => {
            let item = defs.get(kind, &name).await?;
            match format {
                Format::Json => println!("{item}"),
                Format::Text => print!("{}", serde_yaml_ng::to_string(&item)?),
            }
        }
        DefinitionCommand::Create { file } => {
            match defs.put(kind, None, read_one(&file)?, now).await {
                Ok(v) => {
                    let name = v["name"].as_str().unwrap_or_default();
                    audit(
                        store,
                        "definition.created",
                        &format!("{}:{name}", kind.as_str()),
                    )
                    .await?;
                    println!("Created {} {name}.", kind.as_str());
                }
                Err(e) => return report(e),
            }
        }
        DefinitionCommand::Update { name, file } => {
            match defs.put(kind, Some(&name), read_one(&file)?, now).await {
                Ok(_) => {
                    audit(
                        store,
                        "definition.updated",
                        &format!("{}:{name}", kind.as_str()),
                    )
                    .await?;
                    println!("Updated {} {name}.", kind.as_str());
                }
                Err(e) => return report(e),
            }
        }
        DefinitionCommand::Delete { name } => {
            defs.delete(kind, &name, now).await?;
            audit(
                store,
                "definition.deleted",
                &format!("{}:{name}", kind.as_str()),
            )
            .await?;
            println!("Deleted {} {name}.", kind.as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per definition: name and what matters most about it.
fn summary(kind: Kind, v: &Value) -> String {
    let name = v["name"].as_str().unwrap_or_default();
    let text = |k: &str| v[k].as_str().unwrap_or("").to_owned();
    match kind {
        Kind::Period => format!(
            "{name:<24} {}-{} {}",
            text("begintime"),
            text("endtime"),
            text("weekdays")
        )
        .trim_end()
        .to_owned(),
        Kind::Schedule => {
            let periods = v["periods"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            format!("{name:<24} {:<20} {periods}", text("timezone"))
        }
        Kind::Calendar => format!(
            "{name:<24} {} dates",
            v["dates"].as_array().map_or(0, Vec::len)
        ),
    }
}

async fn import(store: &Store, file: &Path) -> anyhow::Result<ExitCode> {
    let mut spec = match read_spec(file) {
        Ok(s) => s,
        Err(problems) => {
            for p in problems.0 {
                eprintln!("{p}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    // The ICS text is stored; the file it came from is not needed again.
    for c in &mut spec.calendars {
        c.ics_file = None;
    }
    match Definitions::new(store.clone())
        .import(&spec, jiff::Timestamp::now())
        .await
    {
        Ok(()) => {
            audit(store, "definition.imported", &file.display().to_string()).await?;
            println!(
                "Imported {} periods, {} schedules and {} calendars from {}.",
                spec.periods.len(),
                spec.schedules.len(),
                spec.calendars.len(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => report(e),
    }
}

async fn export(store: &Store, file: &Path) -> anyhow::Result<ExitCode> {
    let spec = Definitions::new(store.clone()).export().await?;
    let json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let text = if json {
        serde_json::to_string_pretty(&spec)? + "\n"
    } else {
        serde_yaml_ng::to_string(&spec)?
    };
    if file == Path::new("-") {
        print!("{text}");
    } else {
        std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))?;
        eprintln!(
            "Exported {} periods, {} schedules and {} calendars to {}.",
            spec.periods.len(),
            spec.schedules.len(),
            spec.calendars.len(),
            file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
