//! `isched plan`, `isched reconcile --once` and `isched history`.

use super::context::with_store;
use crate::cli::Format;
use anyhow::Context;
use isched_engine::plan::{Planned, RememberedKey, plan, remembered_key};
use isched_engine::reconcile::reconcile;
use jiff::Timestamp;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn instant(at: Option<String>) -> anyhow::Result<Timestamp> {
    match at {
        None => Ok(Timestamp::now()),
        Some(s) => s.parse().with_context(|| {
            format!("--at: {s:?} is not an RFC 3339 instant (e.g. 2026-11-25T09:00:00-05:00)")
        }),
    }
}

fn line(p: &Planned, outcome: Option<&str>) -> String {
    format!(
        "{:<24} {:<12} {:<8} -> {:<8} {:<7} {}{}",
        p.resource.id,
        p.schedule,
        p.resource.state.as_str(),
        p.desired.unwrap_or("-"),
        p.decision.action.as_str(),
        p.decision.reason,
        outcome.map(|o| format!(" [{o}]")).unwrap_or_default()
    )
}

pub fn run_plan(config_file: Option<&Path>, at: Option<String>, format: Format) -> ExitCode {
    with_store(config_file, move |config, store| async move {
        let at = instant(at)?;
        let provider = crate::providers::build(&config, &store).await;
        // Buffered: one write for thousands of lines, not one each.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for p in plan(provider.as_ref(), &store, &config.schedule_tag, at).await? {
            match format {
                Format::Json => writeln!(out, "{}", p.to_json())?,
                Format::Text => writeln!(out, "{}", line(&p, None))?,
            }
        }
        out.flush()?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run_reconcile(config_file: Option<&Path>, at: Option<String>, format: Format) -> ExitCode {
    with_store(config_file, move |config, store| async move {
        let at = instant(at)?;
        let provider = crate::providers::build(&config, &store).await;
        let done = reconcile(
            provider.as_ref(),
            &store,
            &config.schedule_tag,
            at,
            &config.action_tags,
        )
        .await?;
        let failed = done.iter().any(|d| d.outcome.is_failed());
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for d in &done {
            match format {
                Format::Json => {
                    let mut v = d.planned.to_json();
                    v["outcome"] = serde_json::json!(d.outcome.to_string());
                    writeln!(out, "{v}")?;
                }
                Format::Text => {
                    writeln!(out, "{}", line(&d.planned, Some(&d.outcome.to_string())))?
                }
            }
        }
        out.flush()?;
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    })
}

pub fn run_history(config_file: Option<&Path>, resource: String, format: Format) -> ExitCode {
    with_store(config_file, move |_config, store| async move {
        let key = match remembered_key(&store, &resource).await? {
            RememberedKey::Found(k) => k,
            RememberedKey::Unknown => anyhow::bail!("the scheduler has no record of {resource:?}"),
            RememberedKey::Ambiguous => {
                anyhow::bail!("{resource:?} is ambiguous; give provider:account:region:id")
            }
        };
        for e in store.history(&key).await? {
            match format {
                Format::Json => println!("{}", serde_json::to_string(&e)?),
                Format::Text => {
                    println!("{}  {:<7} {:<10} {}", e.at, e.action, e.outcome, e.reason)
                }
            }
        }
        if format == Format::Text {
            let intervals = store.running_intervals(&key).await?;
            let now = Timestamp::now();
            let ran: i64 = intervals
                .iter()
                .map(|i| (i.ended_at.unwrap_or(now) - i.started_at).as_secs())
                .sum();
            println!(
                "running: {} interval(s), {:.1} h in all{}",
                intervals.len(),
                ran as f64 / 3600.0,
                if intervals.last().is_some_and(|i| i.ended_at.is_none()) {
                    " (running now)"
                } else {
                    ""
                }
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `isched override`; neither until nor skip means clear (clap requires one of them).
pub fn run_override(
    config_file: Option<&Path>,
    resource: String,
    running_until: Option<String>,
    stopped_until: Option<String>,
    skip_next_stop: bool,
    at: Option<String>,
) -> ExitCode {
    use isched_engine::overrides::OverrideRequest;
    let now = match instant(at) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("isched: {e:#}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    super::context::with_engine(config_file, Some(now), move |_config, engine| async move {
        let parse = |t: &str| -> anyhow::Result<Timestamp> {
            t.parse()
                .with_context(|| format!("{t:?} is not an RFC 3339 instant"))
        };
        let request = match (running_until, stopped_until, skip_next_stop) {
            (Some(t), _, _) => Some(OverrideRequest::RunningUntil(parse(&t)?)),
            (_, Some(t), _) => Some(OverrideRequest::StoppedUntil(parse(&t)?)),
            (_, _, true) => Some(OverrideRequest::SkipNextStop),
            _ => None,
        };
        let cli = isched_engine::Actor::cli();
        match request {
            Some(request) => {
                let (item, o) = engine.set_override(&cli, &resource, &request).await?;
                println!("{}: {} until {}", item.resource, o.state, o.until);
            }
            None => {
                let item = engine.clear_override(&cli, &resource).await?;
                println!("{}: override cleared", item.resource);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
