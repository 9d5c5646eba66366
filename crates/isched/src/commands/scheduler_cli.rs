//! AWS Instance Scheduler's `scheduler-cli` verbs under `isched periods` and
//! `isched schedules` (`describe-periods`, `create-schedule`, ...): the same options, and
//! output in its shape (`{"Periods": [{"Type": "period", "Name": ..., "Weekdays": [...]}]}`,
//! PascalCase keys, sets as lists), read from and written to isched's database.

use super::definitions::report;
use crate::cli::{
    UpstreamCommon, UpstreamPeriod, UpstreamPeriodVerb, UpstreamSchedule, UpstreamScheduleVerb,
};
use isched_engine::definitions::Kind;
use isched_engine::{Actor, Engine};
use serde_json::{Map, Value, json};
use std::process::ExitCode;

/// Fields upstream returns as lists.
const LISTS: &[&str] = &[
    "weekdays",
    "monthdays",
    "months",
    "periods",
    "ssm_maintenance_window",
];

/// `stop_new_instances` → `StopNewInstances`, as upstream's handler converts its keys.
fn pascal(key: &str) -> String {
    key.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// A stored definition as upstream's CLI shows it.
fn shown(kind: Kind, v: &Value) -> Value {
    let mut out = Map::new();
    out.insert("Type".into(), json!(kind.as_str()));
    for (k, v) in v.as_object().into_iter().flatten() {
        let v = match v {
            Value::String(s) if LISTS.contains(&k.as_str()) => {
                json!(s.split(',').map(str::trim).collect::<Vec<_>>())
            }
            other => other.clone(),
        };
        out.insert(pascal(k), v);
    }
    Value::Object(out)
}

fn print(v: &Value) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(ExitCode::SUCCESS)
}

/// `--query` needs a JMESPath engine isched does not carry; saying so beats ignoring it.
fn refuse_query(common: &UpstreamCommon) -> Option<anyhow::Result<ExitCode>> {
    common.query.as_ref().map(|_| {
        eprintln!(
            "isched: --query (JMESPath) is not supported; pipe the JSON output through jq instead"
        );
        Ok(ExitCode::from(super::EXIT_USAGE))
    })
}

/// The key upstream's answers put one definition under: `Period`, `Schedule`.
fn key_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Period => "Period",
        Kind::Schedule => "Schedule",
        Kind::Calendar => "Calendar",
    }
}

async fn describe(engine: &Engine, kind: Kind, name: Option<String>) -> anyhow::Result<ExitCode> {
    let defs = engine.definitions();
    let items = match name {
        Some(n) => match defs.get(kind, &n).await {
            Ok(v) => vec![v],
            Err(e) => {
                eprintln!(
                    "isched: not found: {} {n} does not exist ({e})",
                    kind.as_str()
                );
                return Ok(ExitCode::FAILURE);
            }
        },
        None => defs.list(kind).await?,
    };
    let key = format!("{}s", key_of(kind));
    print(&json!({ key: items.iter().map(|v| shown(kind, v)).collect::<Vec<_>>() }))
}

/// Creates (`existing` None) or replaces a definition; prints it as upstream does.
async fn put(
    engine: &Engine,
    kind: Kind,
    existing: Option<&str>,
    body: Value,
) -> anyhow::Result<ExitCode> {
    match engine
        .put_definition(&Actor::cli(), kind, existing, body)
        .await
    {
        Ok(v) => print(&json!({ key_of(kind): shown(kind, &v) })),
        Err(e) => report(e),
    }
}

async fn delete(engine: &Engine, kind: Kind, name: String) -> anyhow::Result<ExitCode> {
    match engine.delete_definition(&Actor::cli(), kind, &name).await {
        Ok(()) => print(&json!({ key_of(kind): name })),
        Err(e) => report(e),
    }
}

fn period_body(p: &UpstreamPeriod) -> Value {
    let mut v = Map::new();
    v.insert("name".into(), json!(p.name));
    for (k, val) in [
        ("begintime", &p.begintime),
        ("endtime", &p.endtime),
        ("weekdays", &p.weekdays),
        ("monthdays", &p.monthdays),
        ("months", &p.months),
        ("description", &p.description),
    ] {
        if let Some(val) = val {
            v.insert(k.into(), json!(val));
        }
    }
    Value::Object(v)
}

/// The schedule upstream's CLI writes: every flag explicit, with its defaults.
fn schedule_body(s: &UpstreamSchedule) -> Result<Value, String> {
    let use_mw = match s.use_maintenance_window.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => true,
        "false" | "0" | "no" => false,
        other => {
            return Err(format!(
                "--use-maintenance-window: {other:?} is not true or false"
            ));
        }
    };
    let mut v = Map::new();
    v.insert("name".into(), json!(s.name));
    for (k, val) in [
        ("description", &s.description),
        ("timezone", &s.timezone),
        ("override_status", &s.override_status),
    ] {
        if let Some(val) = val {
            v.insert(k.into(), json!(val));
        }
    }
    if let Some(p) = &s.periods {
        v.insert("periods".into(), json!(p));
    }
    if !s.ssm_maintenance_window.is_empty() {
        v.insert(
            "ssm_maintenance_window".into(),
            json!(s.ssm_maintenance_window),
        );
    }
    v.insert(
        "stop_new_instances".into(),
        json!(!s.do_not_stop_new_instances),
    );
    v.insert("use_maintenance_window".into(), json!(use_mw));
    v.insert("retain_running".into(), json!(s.retain_running));
    v.insert("enforced".into(), json!(s.enforced));
    v.insert("hibernate".into(), json!(s.hibernate));
    Ok(Value::Object(v))
}

pub(crate) async fn period_verb(
    engine: &Engine,
    verb: UpstreamPeriodVerb,
) -> anyhow::Result<ExitCode> {
    match verb {
        UpstreamPeriodVerb::DescribePeriods { name, common } => match refuse_query(&common) {
            Some(r) => r,
            None => describe(engine, Kind::Period, name).await,
        },
        UpstreamPeriodVerb::CreatePeriod(p) => match refuse_query(&p.common) {
            Some(r) => r,
            None => put(engine, Kind::Period, None, period_body(&p)).await,
        },
        UpstreamPeriodVerb::UpdatePeriod(p) => match refuse_query(&p.common) {
            Some(r) => r,
            None => put(engine, Kind::Period, Some(&p.name), period_body(&p)).await,
        },
        UpstreamPeriodVerb::DeletePeriod { name, common } => match refuse_query(&common) {
            Some(r) => r,
            None => delete(engine, Kind::Period, name).await,
        },
    }
}

pub(crate) async fn schedule_verb(
    engine: &Engine,
    verb: UpstreamScheduleVerb,
) -> anyhow::Result<ExitCode> {
    let body = |s: &UpstreamSchedule| {
        schedule_body(s).map_err(|e| {
            eprintln!("isched: {e}");
            ExitCode::from(super::EXIT_USAGE)
        })
    };
    match verb {
        UpstreamScheduleVerb::DescribeSchedules { name, common } => match refuse_query(&common) {
            Some(r) => r,
            None => describe(engine, Kind::Schedule, name).await,
        },
        UpstreamScheduleVerb::CreateSchedule(s) => match (refuse_query(&s.common), body(&s)) {
            (Some(r), _) => r,
            (None, Err(code)) => Ok(code),
            (None, Ok(b)) => put(engine, Kind::Schedule, None, b).await,
        },
        UpstreamScheduleVerb::UpdateSchedule(s) => match (refuse_query(&s.common), body(&s)) {
            (Some(r), _) => r,
            (None, Err(code)) => Ok(code),
            (None, Ok(b)) => put(engine, Kind::Schedule, Some(&s.name), b).await,
        },
        UpstreamScheduleVerb::DeleteSchedule { name, common } => match refuse_query(&common) {
            Some(r) => r,
            None => delete(engine, Kind::Schedule, name).await,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_lists_look_like_upstreams() {
        assert_eq!(pascal("stop_new_instances"), "StopNewInstances");
        let v = shown(
            Kind::Period,
            &json!({"name": "office", "begintime": "09:00", "weekdays": "mon-fri,sat"}),
        );
        assert_eq!(
            v,
            json!({"Type": "period", "Name": "office", "Begintime": "09:00", "Weekdays": ["mon-fri", "sat"]})
        );
    }
}
