//! `isched schedule check --config FILE`: validates a definitions file, listing every problem.

use super::file;
use crate::cli::Format;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, format: Format) -> ExitCode {
    match file::load(path) {
        Ok(catalog) => {
            let periods = catalog.periods().count();
            let schedules = catalog.schedules().count();
            let calendars = catalog.calendars().count();
            match format {
                Format::Json => println!(
                    "{}",
                    json!({ "valid": true, "periods": periods, "schedules": schedules, "calendars": calendars })
                ),
                Format::Text => println!(
                    "{}: OK, {periods} period(s), {schedules} schedule(s)",
                    path.display()
                ),
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            match format {
                Format::Json => println!("{}", json!({ "valid": false, "problems": problems.0 })),
                Format::Text => file::report(path, &problems),
            }
            ExitCode::FAILURE
        }
    }
}
