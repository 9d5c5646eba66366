//! `isched import aws-instance-scheduler` and `isched export aws-instance-scheduler`: the
//! way in from AWS Instance Scheduler's configuration, and back out to its item form.

use super::context::with_engine;
use super::definitions::report;
use crate::cli::{ExportCommand, ImportCommand, UpstreamImport};
use crate::migrate::upstream::{Options, from_items, to_items};
use crate::migrate::{Note, cfn};
use anyhow::Context;
use isched_engine::{Actor, Engine};
use isched_schedule::Catalog;
use isched_schedule::spec::CatalogSpec;
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;

pub fn run_import(config_file: Option<&Path>, cmd: ImportCommand) -> ExitCode {
    let ImportCommand::AwsInstanceScheduler(args) = cmd;
    with_engine(config_file, None, |_config, engine| async move {
        import(&engine, args).await
    })
}

pub fn run_export(config_file: Option<&Path>, cmd: ExportCommand) -> ExitCode {
    let ExportCommand::AwsInstanceScheduler { file } = cmd;
    with_engine(config_file, None, |_config, engine| async move {
        export(&engine, &file).await
    })
}

/// The items to import, notes on what they hold, and a name for where they came from.
type Source = (Vec<Value>, Vec<Note>, String);

async fn read_source(args: &UpstreamImport) -> anyhow::Result<Result<Source, Vec<String>>> {
    if let Some(table) = &args.table {
        let tables = isched_cloud::aws::dynamodb::Tables::from_env(args.region.clone()).await;
        let items = tables
            .scan(table)
            .await
            .with_context(|| format!("cannot read the table {table}"))?;
        return Ok(Ok((items, Vec::new(), format!("table {table}"))));
    }
    let Some(file) = &args.file else {
        anyhow::bail!("give --table or --file");
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    // YAML is a superset of JSON: one parser reads both, and its errors carry the line.
    let v: Value = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{} is not JSON or YAML", file.display()))?;
    let source = file.display().to_string();
    if cfn::is_template(&v) {
        return Ok(
            cfn::items(&v, args.stack.as_deref()).map(|(items, notes)| (items, notes, source))
        );
    }
    let items = match &v {
        Value::Array(items) => items.clone(),
        Value::Object(o) => match o.get("Items") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    if items.is_empty() {
        anyhow::bail!(
            "{source} holds no items ({{\"Items\": [...]}} as `aws dynamodb scan` prints, or a list) \
             and no CloudFormation Resources"
        );
    }
    Ok(Ok((items, Vec::new(), source)))
}

async fn import(engine: &Engine, args: UpstreamImport) -> anyhow::Result<ExitCode> {
    let failed = |errors: Vec<String>| {
        for e in errors {
            eprintln!("{e}");
        }
        eprintln!("Nothing was imported.");
        Ok(ExitCode::FAILURE)
    };
    let (items, mut notes, source) = match read_source(&args).await? {
        Ok(s) => s,
        Err(errors) => return failed(errors),
    };
    let options = Options {
        default_timezone: args.default_timezone.clone(),
    };
    let imported = match from_items(&items, &options) {
        Ok(i) => i,
        Err(errors) => return failed(errors),
    };
    notes.extend(imported.notes);
    println!(
        "Read {} items from {source}: {} periods, {} schedules.",
        items.len(),
        imported.periods.len(),
        imported.schedules.len()
    );
    let (periods, schedules) = (imported.periods.len(), imported.schedules.len());
    let mut spec = engine.definitions().export().await?;
    merge(&mut spec.periods, imported.periods, "period", |p| &p.name);
    merge(&mut spec.schedules, imported.schedules, "schedule", |s| {
        &s.name
    });
    if notes.is_empty() {
        println!("Everything was carried over.");
    } else {
        println!("Not carried over as it was:");
        for n in &notes {
            println!("  - {n}");
        }
    }
    if let Err(e) = Catalog::parse(&spec) {
        return failed(e.to_vec().iter().map(ToString::to_string).collect());
    }
    if args.dry_run {
        println!("Dry run: nothing was written.");
        return Ok(ExitCode::SUCCESS);
    }
    let what = format!("aws-instance-scheduler {source}");
    if let Err(e) = engine.import_definitions(&Actor::cli(), &spec, &what).await {
        return report(e);
    }
    println!("Imported {periods} periods and {schedules} schedules.");
    Ok(ExitCode::SUCCESS)
}

/// Adds `new` to `stored`; one with a stored one's name replaces it, and says so.
fn merge<T>(stored: &mut Vec<T>, new: Vec<T>, kind: &str, name: fn(&T) -> &String) {
    for item in new {
        match stored.iter_mut().find(|x| name(x) == name(&item)) {
            Some(slot) => {
                println!("Replaces the stored {kind} {:?}.", name(&item));
                *slot = item;
            }
            None => stored.push(item),
        }
    }
}

async fn export(engine: &Engine, file: &Path) -> anyhow::Result<ExitCode> {
    let spec: CatalogSpec = engine.definitions().export().await?;
    let (items, notes) = to_items(&spec);
    for n in &notes {
        eprintln!("not exported: {n}");
    }
    let text =
        serde_json::to_string_pretty(&json!({ "Items": items, "Count": items.len() }))? + "\n";
    if file == Path::new("-") {
        print!("{text}");
    } else {
        std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))?;
        eprintln!("Exported {} items to {}.", items.len(), file.display());
    }
    Ok(ExitCode::SUCCESS)
}
