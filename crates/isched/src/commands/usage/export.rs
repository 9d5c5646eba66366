//! `isched usage export`: rolls up what is complete, then writes those days as Parquet.

use super::date;
use crate::commands::context::with_store;
use isched_export::{Destination, export_days};
use jiff::Timestamp;
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    config_file: Option<&Path>,
    to: &str,
    from: Option<&str>,
    through: Option<&str>,
) -> ExitCode {
    let from = match from.map(|t| date("--from", t)).transpose() {
        Ok(d) => d,
        Err(code) => return code,
    };
    let through = match through.map(|t| date("--through", t)).transpose() {
        Ok(d) => d,
        Err(code) => return code,
    };
    let to = to.to_owned();
    with_store(config_file, move |config, store| async move {
        let settings = &config.usage.settings;
        let now = Timestamp::now();
        isched_engine::usage::roll_up(&store, settings, now, i32::MAX).await?;
        let Some(rolled) = store
            .usage_rolled_through(settings.zone_name())
            .await?
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        else {
            println!("nothing to export: no complete day has usage yet");
            return Ok(ExitCode::SUCCESS);
        };
        let first = match from {
            Some(d) => d,
            None => match store.usage_first_at().await? {
                Some(t) => t.to_zoned_datetime(settings.zone.clone()).date(),
                None => rolled,
            },
        };
        let last = through.map_or(rolled, |d| d.min(rolled));
        let dest = Destination::parse(&to).await?;
        let done = export_days(&store, settings, &dest, first, last).await?;
        println!(
            "exported {} day(s) from {first} to {last}: {} file(s), {} row(s), {} bytes, to {to}",
            done.days, done.files, done.rows, done.bytes
        );
        Ok(ExitCode::SUCCESS)
    })
}
