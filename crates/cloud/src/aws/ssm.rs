//! SSM maintenance windows: their definitions, from which the engine computes when each is
//! in force (for schedules with `use_maintenance_window`).

use super::errors::classify;
use crate::error::CloudError;
use crate::model::MaintenanceWindow;
use aws_sdk_ssm::Client;

/// Every enabled window of the account and region, page by page.
pub(super) async fn windows(client: &Client) -> Result<Vec<MaintenanceWindow>, CloudError> {
    let mut pages = client
        .describe_maintenance_windows()
        .max_results(100)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("DescribeMaintenanceWindows", e))?;
        for w in page.window_identities() {
            if !w.enabled() {
                continue;
            }
            let (Some(name), Some(schedule)) = (w.name(), w.schedule()) else {
                continue;
            };
            out.push(MaintenanceWindow {
                name: name.to_owned(),
                schedule: schedule.to_owned(),
                timezone: w.schedule_timezone().map(str::to_owned),
                offset_days: w.schedule_offset().unwrap_or(0).max(0) as u32,
                duration_hours: w.duration().unwrap_or(1).max(1) as u32,
            });
        }
    }
    Ok(out)
}
