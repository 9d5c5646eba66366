//! `isched schedule usage`: running hours over a date range, and hours saved.

use super::file;
use crate::cli::Format;
use jiff::civil::Date;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, name: &str, from: &str, to: &str, format: Format) -> ExitCode {
    let usage_error = |flag: &str, v: &str| {
        eprintln!("isched: {flag}: {v:?} is not a date (YYYY-MM-DD)");
        ExitCode::from(crate::commands::EXIT_USAGE)
    };
    let Ok(from_date) = from.parse::<Date>() else {
        return usage_error("--from", from);
    };
    let Ok(to_date) = to.parse::<Date>() else {
        return usage_error("--to", to);
    };
    if to_date < from_date {
        eprintln!("isched: --to {to} is before --from {from}");
        return ExitCode::from(crate::commands::EXIT_USAGE);
    }
    let schedule = match file::load_schedule(path, name) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let tz = schedule.time_zone().clone();
    // Whole local days: from the start of `from` to the start of the day after `to`.
    let start = from_date
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp());
    let end = to_date
        .tomorrow()
        .and_then(|d| d.to_zoned_datetime(tz.clone()))
        .map(|z| z.timestamp());
    let (Ok(start), Ok(end)) = (start, end) else {
        eprintln!("isched: the dates are out of range");
        return ExitCode::FAILURE;
    };
    let u = schedule.usage(start, end);
    let hours = |s: i64| s as f64 / 3600.0;
    let total = u.total_seconds();
    let saved_pct = if total > 0 {
        100.0 * u.stopped_seconds as f64 / total as f64
    } else {
        0.0
    };
    match format {
        Format::Json => println!(
            "{}",
            json!({
                "schedule": schedule.name(), "timezone": tz.iana_name(), "from": from, "to": to,
                "hours_total": hours(total), "hours_running": hours(u.running_seconds),
                "hours_stopped": hours(u.stopped_seconds), "hours_unchanged": hours(u.any_seconds),
                "hours_saved_vs_always_on": hours(u.stopped_seconds), "saved_percent": saved_pct,
            })
        ),
        Format::Text => {
            println!(
                "schedule {:?} from {from} to {to} ({}):",
                schedule.name(),
                tz.iana_name().unwrap_or("UTC")
            );
            println!("  running    {:>9.2} h", hours(u.running_seconds));
            println!(
                "  stopped    {:>9.2} h   (saved versus always-on: {saved_pct:.1}%)",
                hours(u.stopped_seconds)
            );
            if u.any_seconds > 0 {
                println!(
                    "  unchanged  {:>9.2} h   (one-sided periods leave the resource as it is)",
                    hours(u.any_seconds)
                );
            }
            println!("  total      {:>9.2} h", hours(total));
        }
    }
    ExitCode::SUCCESS
}
