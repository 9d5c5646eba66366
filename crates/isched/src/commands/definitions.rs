//! `isched periods|schedules|calendars list|show|create|update|delete` and
//! `isched schedules import|export FILE`, on the database in the configuration.

use super::context::with_engine;
use super::schedule::file::read_spec;
use crate::cli::{DefinitionCommand, Format, PeriodsCommand, SchedulesCommand};
use anyhow::Context;
use isched_engine::definitions::{DefinitionError, Kind};
use isched_engine::plan::EngineError;
use isched_engine::{Actor, Engine};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, kind: Kind, cmd: DefinitionCommand) -> ExitCode {
    with_engine(config_file, None, |_config, engine| async move {
        common(&engine, kind, cmd).await
    })
}

pub fn run_periods(config_file: Option<&Path>, cmd: PeriodsCommand) -> ExitCode {
    with_engine(config_file, None, |_config, engine| async move {
        match cmd {
            PeriodsCommand::Common(c) => common(&engine, Kind::Period, c).await,
            PeriodsCommand::Upstream(verb) => {
                super::scheduler_cli::period_verb(&engine, *verb).await
            }
        }
    })
}

pub fn run_schedules(config_file: Option<&Path>, cmd: SchedulesCommand) -> ExitCode {
    with_engine(config_file, None, |_config, engine| async move {
        match cmd {
            SchedulesCommand::Common(c) => common(&engine, Kind::Schedule, c).await,
            SchedulesCommand::Upstream(verb) => {
                super::scheduler_cli::schedule_verb(&engine, *verb).await
            }
            SchedulesCommand::Import { file } => import(&engine, &file).await,
            SchedulesCommand::Export { file } => export(&engine, &file).await,
        }
    })
}

/// Validation problems, one per line, then exit 1.
pub(crate) fn report(e: EngineError) -> anyhow::Result<ExitCode> {
    match e {
        EngineError::Definitions(DefinitionError::Invalid(problems)) => {
            for p in problems {
                eprintln!("{p}");
            }
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}

pub(crate) fn read_one<T: serde::de::DeserializeOwned>(file: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    // YAML is a superset of JSON, so one parser reads both; its errors carry the line.
    serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{} is not YAML or JSON", file.display()))
}

async fn common(engine: &Engine, kind: Kind, cmd: DefinitionCommand) -> anyhow::Result<ExitCode> {
    let defs = engine.definitions();
    let cli = Actor::cli();
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
            match engine
                .put_definition(&cli, kind, None, read_one(&file)?)
                .await
            {
                Ok(v) => {
                    let name = v["name"].as_str().unwrap_or_default();
                    println!("Created {} {name}.", kind.as_str());
                }
                Err(e) => return report(e),
            }
        }
        DefinitionCommand::Update { name, file } => {
            match engine
                .put_definition(&cli, kind, Some(&name), read_one(&file)?)
                .await
            {
                Ok(_) => println!("Updated {} {name}.", kind.as_str()),
                Err(e) => return report(e),
            }
        }
        DefinitionCommand::Delete { name } => {
            engine.delete_definition(&cli, kind, &name).await?;
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

async fn import(engine: &Engine, file: &Path) -> anyhow::Result<ExitCode> {
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
    match engine
        .import_definitions(&Actor::cli(), &spec, &file.display().to_string())
        .await
    {
        Ok(()) => {
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

async fn export(engine: &Engine, file: &Path) -> anyhow::Result<ExitCode> {
    let spec = engine.definitions().export().await?;
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
