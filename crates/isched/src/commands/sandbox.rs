//! `isched sandbox seed`: simulated instances for a first run without an AWS account.

use super::context::with_engine;
use crate::cli::{Format, SandboxCommand};
use crate::config::Provider;
use isched_cloud::sandbox::{PRICES, SandboxProvider};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, cmd: SandboxCommand) -> ExitCode {
    let SandboxCommand::Seed {
        instances,
        tags,
        instance_type,
        region,
        format,
    } = cmd;
    with_engine(config_file, None, move |config, engine| async move {
        if config.provider != Provider::Sandbox {
            eprintln!(
                "isched: the configured provider is {}; sandbox instances are only used with ISCHED_PROVIDER=sandbox",
                config.provider.as_str()
            );
            return Ok(ExitCode::from(crate::commands::EXIT_USAGE));
        }
        if !PRICES.iter().any(|(t, _)| *t == instance_type) {
            let known: Vec<&str> = PRICES.iter().map(|(t, _)| *t).collect();
            eprintln!(
                "isched: --type: the sandbox has no instance type {instance_type:?}; it has {}",
                known.join(", ")
            );
            return Ok(ExitCode::from(crate::commands::EXIT_USAGE));
        }
        let provider = SandboxProvider::new(
            engine.store().clone(),
            crate::providers::sandbox_options(&config),
        );
        // The README's seed tags its instances with office-hours: make sure it exists, or
        // every instance would show as unschedulable.
        if crate::demo::ensure_office_hours(&engine, &isched_engine::Actor::cli()).await?
            && matches!(format, Format::Text)
        {
            println!(
                "created the schedule {} (weekdays 09:00-17:00, this machine's time zone)",
                crate::demo::SCHEDULE
            );
        }
        let tags = tags.into_iter().collect();
        let ids = provider
            .seed(&region, instances, &instance_type, &tags)
            .await?;
        // Lists read the inventory: the new instances show at once, not after the next pass.
        engine.refresh_inventory().await?;
        match format {
            Format::Json => println!(
                "{}",
                json!({ "provider": "sandbox", "region": region, "created": ids })
            ),
            Format::Text => println!(
                "created {} sandbox instance(s) of type {instance_type} in {region} (simulated)",
                ids.len()
            ),
        }
        Ok(ExitCode::SUCCESS)
    })
}
