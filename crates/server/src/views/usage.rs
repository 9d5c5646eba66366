//! A usage report as the API (and the CLI's JSON) shows it: hours and money per key.

use isched_engine::usage::{Report, hours};
use isched_store::usage_rollups::UsageSums;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageView {
    /// First day, inclusive (YYYY-MM-DD in `zone`).
    #[schema(value_type = String, format = Date)]
    pub from: String,
    /// Last day, inclusive.
    #[schema(value_type = String, format = Date)]
    pub to: String,
    /// The zone days are cut in (a DST day has 23 or 25 hours).
    pub zone: String,
    /// What every cost is in (ISO 4217).
    pub currency: String,
    /// `resource`, `owner`, `template`, `schedule`, `day` or `group`.
    pub group_by: &'static str,
    /// By key: a resource key, owner email, template, schedule or group name (`(none)`
    /// for resources without one), or a date.
    pub rows: Vec<UsageRowView>,
    pub total: UsageFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageRowView {
    pub key: String,
    #[serde(flatten)]
    pub figures: UsageFigures,
}

/// Hours and money. Saved is versus running all the time the resources existed in the
/// range; unplanned is running while the schedule asked for stopped (manual starts).
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageFigures {
    pub running_hours: f64,
    pub cost: f64,
    pub saved_hours: f64,
    pub saved_cost: f64,
    /// Hours the schedules asked for running.
    pub planned_hours: f64,
    pub unplanned_hours: f64,
    pub unplanned_cost: f64,
}

/// Money to a millionth, so that sums of many rows do not print float noise.
fn money(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl From<&UsageSums> for UsageFigures {
    fn from(s: &UsageSums) -> Self {
        UsageFigures {
            running_hours: hours(s.running_seconds),
            cost: money(s.cost),
            saved_hours: hours(s.existing_seconds - s.running_seconds),
            saved_cost: money(s.saved_cost),
            planned_hours: hours(s.planned_seconds),
            unplanned_hours: hours(s.unplanned_seconds),
            unplanned_cost: money(s.unplanned_cost),
        }
    }
}

impl From<&Report> for UsageView {
    fn from(r: &Report) -> Self {
        UsageView {
            from: r.first.to_string(),
            to: r.last.to_string(),
            zone: r.zone.clone(),
            currency: r.currency.clone(),
            group_by: r.group_by.as_str(),
            rows: r
                .rows
                .iter()
                .map(|row| UsageRowView {
                    key: row.key.clone(),
                    figures: (&row.sums).into(),
                })
                .collect(),
            total: (&r.total).into(),
        }
    }
}

impl UsageView {
    /// The columns of the CSV and of tables.
    pub const COLUMNS: [&'static str; 8] = [
        "key",
        "running_hours",
        "cost",
        "saved_hours",
        "saved_cost",
        "planned_hours",
        "unplanned_hours",
        "unplanned_cost",
    ];

    /// One row's cells, hours and money to two decimals.
    pub fn cells(key: &str, f: &UsageFigures) -> [String; 8] {
        [
            key.to_owned(),
            format!("{:.2}", f.running_hours),
            format!("{:.2}", f.cost),
            format!("{:.2}", f.saved_hours),
            format!("{:.2}", f.saved_cost),
            format!("{:.2}", f.planned_hours),
            format!("{:.2}", f.unplanned_hours),
            format!("{:.2}", f.unplanned_cost),
        ]
    }

    /// The rows as CSV with a header line (keys quoted where they need it).
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut write = |cells: &[String]| {
            // Writing to memory does not fail.
            let _ = w.write_record(cells);
        };
        write(&Self::COLUMNS.map(str::to_owned));
        for row in &self.rows {
            write(&Self::cells(&row.key, &row.figures));
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}
