//! `isched usage report`: a table, JSON (the API's shape) or CSV.

use super::date;
use crate::cli::{ReportFormat, UsageGroup};
use crate::commands::context::with_store;
use isched_engine::usage::{ReportRequest, report};
use isched_server::UsageView;
use isched_store::usage_rollups::GroupBy;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::path::Path;
use std::process::ExitCode;

fn group(g: UsageGroup) -> GroupBy {
    match g {
        UsageGroup::Resource => GroupBy::Resource,
        UsageGroup::Owner => GroupBy::Owner,
        UsageGroup::Template => GroupBy::Template,
        UsageGroup::Schedule => GroupBy::Schedule,
        UsageGroup::Day => GroupBy::Day,
        UsageGroup::Group => GroupBy::Group,
    }
}

pub fn run(
    config_file: Option<&Path>,
    from: &str,
    to: &str,
    group_by: UsageGroup,
    zone: &str,
    format: ReportFormat,
) -> ExitCode {
    let (first, last) = match (date("--from", from), date("--to", to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let Ok(zone) = TimeZone::get(zone) else {
        eprintln!(
            "isched: --zone: {zone:?} is not a time zone (an IANA name such as Europe/Paris)"
        );
        return ExitCode::from(crate::commands::EXIT_USAGE);
    };
    with_store(config_file, move |config, store| async move {
        let req = ReportRequest {
            first,
            last,
            zone,
            group_by: group(group_by),
            owner: None,
        };
        let r = report(&store, &config.usage.settings, &req, Timestamp::now()).await?;
        let view = UsageView::from(&r);
        match format {
            ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&view)?),
            ReportFormat::Csv => print!("{}", view.to_csv()),
            ReportFormat::Table => print!("{}", table_of(&view)),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn table_of(view: &UsageView) -> String {
    let mut lines: Vec<[String; 8]> = vec![UsageView::COLUMNS.map(str::to_owned)];
    lines.extend(
        view.rows
            .iter()
            .map(|r| UsageView::cells(&r.key, &r.figures)),
    );
    lines.push(UsageView::cells("total", &view.total));
    let widths: Vec<usize> = (0..8)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "{} to {} ({}), in {}\n",
        view.from, view.to, view.zone, view.currency
    );
    for line in &lines {
        let row: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(i, c)| match i {
                0 => format!("{c:<w$}", w = widths[i]),
                _ => format!("{c:>w$}", w = widths[i]),
            })
            .collect();
        out.push_str(row.join("  ").trim_end());
        out.push('\n');
    }
    out
}
