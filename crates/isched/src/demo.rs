//! The first-run demo on the sandbox: an `office-hours` schedule (in this machine's time
//! zone), a few simulated instances that follow it, and a `dev-box` template users can
//! create instances from, so that a new user's first page shows something real. `isched
//! serve` makes it once, on a database with no schedules and no sandbox instances (unless
//! `sandbox_demo` is off); `isched sandbox seed` makes the schedule when it is missing.

use isched_cloud::sandbox::SandboxProvider;
use isched_engine::definitions::Kind;
use isched_engine::plan::EngineError;
use isched_engine::templates::TemplateInput;
use isched_engine::{Actor, Engine};
use serde_json::json;
use std::collections::BTreeMap;

pub const SCHEDULE: &str = "office-hours";
const INSTANCES: usize = 5;
const REGION: &str = "sandbox-1";

/// Creates the `office-hours` schedule (and its period) unless it exists; true if it did.
pub async fn ensure_office_hours(engine: &Engine, actor: &Actor) -> Result<bool, EngineError> {
    let catalog = engine.definitions().catalog().await?;
    if catalog.schedule(SCHEDULE).is_some() {
        return Ok(false);
    }
    let zone = jiff::tz::TimeZone::system()
        .iana_name()
        .unwrap_or("UTC")
        .to_owned();
    let period = json!({ "name": SCHEDULE, "description": "Weekdays 09:00 to 17:00",
        "begintime": "09:00", "endtime": "17:00", "weekdays": "mon-fri" });
    let schedule = json!({ "name": SCHEDULE, "timezone": zone, "periods": [SCHEDULE],
        "description": "Office hours on weekdays (made by isched for the sandbox)" });
    for (kind, body) in [(Kind::Period, period), (Kind::Schedule, schedule)] {
        engine.put_definition(actor, kind, None, body).await?;
    }
    Ok(true)
}

/// Makes the demo if this looks like a first start: no schedules and no sandbox
/// instances yet.
pub async fn seed_first_run(
    engine: &Engine,
    sandbox: &SandboxProvider,
) -> Result<(), anyhow::Error> {
    let catalog = engine.definitions().catalog().await?;
    let has_instances = !engine.store().sandbox_targets().await?.is_empty();
    if catalog.schedules().next().is_some() || has_instances {
        return Ok(());
    }
    let actor = Actor::system();
    ensure_office_hours(engine, &actor).await?;
    let tags = BTreeMap::from([
        ("Schedule".to_owned(), SCHEDULE.to_owned()),
        ("Name".to_owned(), "demo".to_owned()),
    ]);
    sandbox.seed(REGION, INSTANCES, "t3.micro", &tags).await?;
    engine.refresh_inventory().await?;
    let template = TemplateInput {
        name: Some("dev-box".into()),
        description: Some("Demo: an Ubuntu box for development (sandbox)".into()),
        image: Some("sbx-ubuntu-24.04".into()),
        instance_types: Some(vec!["t3.micro".into(), "t3.medium".into()]),
        schedule: Some(SCHEDULE.into()),
        max_lifetime_hours: Some(72),
        ..TemplateInput::default()
    };
    engine.create_template(&actor, template).await?;
    tracing::info!(
        instances = INSTANCES,
        schedule = SCHEDULE,
        "first run on the sandbox: made a demo (simulated instances, the office-hours schedule and the dev-box template); ISCHED_SANDBOX_DEMO=false turns this off"
    );
    Ok(())
}
