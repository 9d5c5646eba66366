//! `isched schedule next`: upcoming transitions of a schedule, in its zone and in UTC.

use super::file;
use crate::cli::Format;
use jiff::Timestamp;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, name: &str, count: usize, from: Option<&str>, format: Format) -> ExitCode {
    let schedule = match file::load_schedule(path, name) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let start = match from.map(str::parse::<Timestamp>) {
        None => Timestamp::now(),
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!(
                "isched: --from: {:?} is not an RFC 3339 instant: {e}",
                from.unwrap_or_default()
            );
            return ExitCode::from(crate::commands::EXIT_USAGE);
        }
    };
    let tz = schedule.time_zone();
    let zone = tz.iana_name().unwrap_or("UTC");
    let now = schedule.state_at(start);
    let mut cursor = start;
    let mut rows = Vec::new();
    for _ in 0..count {
        let Some(t) = schedule.next_transition(cursor) else {
            break;
        };
        cursor = t.at;
        rows.push(t);
    }
    match format {
        Format::Json => {
            for t in &rows {
                let line = json!({
                    "schedule": schedule.name(),
                    "at": t.at.to_string(),
                    "local": t.at.to_zoned_datetime(tz.clone()).to_string(),
                    "state": t.state,
                    "instance_type": t.instance_type,
                });
                println!("{line}");
            }
        }
        Format::Text => {
            println!(
                "schedule {:?} ({zone}), at {start}: {}{}",
                schedule.name(),
                now.state,
                type_suffix(now.instance_type)
            );
            if rows.is_empty() {
                println!("  no transitions ahead: the state never changes");
            }
            for t in &rows {
                let local = t.at.to_zoned_datetime(tz.clone());
                println!(
                    "  {}  {}  ->  {}{}",
                    local.strftime("%Y-%m-%d %H:%M:%S %Z (%a)"),
                    t.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    t.state,
                    type_suffix(t.instance_type.as_deref())
                );
            }
        }
    }
    ExitCode::SUCCESS
}

fn type_suffix(t: Option<&str>) -> String {
    t.map(|t| format!(" ({t})")).unwrap_or_default()
}
