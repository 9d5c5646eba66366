//! `usage_export_to`: `isched serve` exports each day as Parquet once it is rolled up (at
//! once when this process rolled it up, within a minute when another replica did). The
//! last day exported to a destination is kept in the settings, so a restart (or another
//! replica) goes on from there; a day written twice is written the same.

use isched_engine::Engine;
use isched_engine::usage::UsageSettings;
use isched_export::{Destination, export_days};
use isched_store::Store;
use jiff::civil::Date;
use std::time::Duration;

/// How often to look for days another replica rolled up.
const EVERY: Duration = Duration::from_secs(60);

pub async fn run(engine: Engine, to: String, mut stop: tokio::sync::watch::Receiver<bool>) {
    let dest = match Destination::parse(&to).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "usage exports are off");
            return;
        }
    };
    let mark = format!("usage_export:{to}");
    let store = engine.store().clone();
    let settings = engine.usage_settings().clone();
    loop {
        if let Err(e) = export_new_days(&store, &settings, &dest, &mark).await {
            tracing::warn!(error = %e, to = %to, "usage export failed; will try again");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = engine.usage_rolled() => {}
            _ = stop.changed() => return,
        }
    }
}

async fn export_new_days(
    store: &Store,
    settings: &UsageSettings,
    dest: &Destination,
    mark: &str,
) -> anyhow::Result<()> {
    let Some(rolled) = store
        .usage_rolled_through(settings.zone_name())
        .await?
        .and_then(|d| d.parse::<Date>().ok())
    else {
        return Ok(());
    };
    let exported = store
        .setting(mark)
        .await?
        .and_then(|v| v.as_str().and_then(|d| d.parse::<Date>().ok()));
    let first = match exported {
        Some(d) if d >= rolled => return Ok(()),
        Some(d) => d.tomorrow()?,
        None => match store.usage_first_at().await? {
            Some(t) => t.to_zoned_datetime(settings.zone.clone()).date(),
            None => return Ok(()),
        },
    };
    let done = export_days(store, settings, dest, first, rolled).await?;
    store
        .put_setting(
            mark,
            &serde_json::json!(rolled.to_string()),
            jiff::Timestamp::now(),
        )
        .await?;
    tracing::info!(days = done.days, files = done.files, "usage exported");
    Ok(())
}
