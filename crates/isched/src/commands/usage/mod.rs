//! `isched usage`: reports read from the database directly (like `plan`), and exports.

mod export;
mod report;

use crate::cli::UsageCommand;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config_file: Option<&Path>, cmd: UsageCommand) -> ExitCode {
    match cmd {
        UsageCommand::Report {
            from,
            to,
            group_by,
            zone,
            format,
        } => report::run(config_file, &from, &to, group_by, &zone, format),
        UsageCommand::Export { to, from, through } => {
            export::run(config_file, &to, from.as_deref(), through.as_deref())
        }
    }
}

/// A `--flag DATE` argument, or a usage error naming the flag.
fn date(flag: &str, text: &str) -> Result<jiff::civil::Date, ExitCode> {
    text.parse().map_err(|_| {
        eprintln!("isched: {flag}: {text:?} is not a date (YYYY-MM-DD)");
        ExitCode::from(crate::commands::EXIT_USAGE)
    })
}
