//! `/ui/admin/plan`: what the scheduler would do to each resource now, or at a chosen
//! instant (a local date and time in a chosen zone): its schedule, the state it is in, the
//! state wanted and the reason, as `isched plan --at` prints it. Admins only. It plans over
//! the stored inventory (resources as the scheduler last saw them), so it shows at once at
//! any fleet size; "Ask the cloud" (`refresh=true`) discovers every resource live instead.

use super::admin::AdminSession;
use super::{Col, Nav, Page, failure, head, shell, when};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use isched_engine::inventory_plan::{InventoryPlan, plan_inventory};
use isched_engine::plan::plan;
use isched_server::AppState;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct At {
    /// `2026-12-07T09:30` (a `datetime-local` field); empty is now.
    #[serde(default)]
    at: String,
    /// An IANA zone the local time is in; empty is UTC.
    #[serde(default)]
    zone: String,
    /// Discover the resources live instead of reading the inventory.
    #[serde(default)]
    refresh: bool,
}

/// The instant `form` names, or which field is wrong and why.
fn instant(form: &At, now: Timestamp) -> Result<Timestamp, (&'static str, String)> {
    let zone = form.zone.trim();
    let tz = if zone.is_empty() {
        TimeZone::UTC
    } else {
        TimeZone::get(zone).map_err(|_| {
            (
                "zone",
                format!("{zone:?} is not a time zone (e.g. Europe/Paris)"),
            )
        })?
    };
    let at = form.at.trim();
    if at.is_empty() {
        return Ok(now);
    }
    let local: DateTime = at.parse().map_err(|_| {
        (
            "at",
            format!("{at:?} is not a date and time (e.g. 2026-12-07T09:30)"),
        )
    })?;
    local
        .to_zoned_datetime(tz)
        .map(|z| z.timestamp())
        .map_err(|e| ("at", format!("{at} in {zone}: {e}")))
}

/// Resources listed one by one: those to act on first, then some with nothing to do. The
/// rest are counted in the summary (`isched plan` prints them all).
const LISTED_CHANGES: usize = 100;
const LISTED_UNCHANGED: usize = 50;

/// `GET /ui/admin/plan`.
pub(crate) async fn show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Query(form): Query<At>,
) -> Response {
    let now = state.now();
    let (at, error) = match instant(&form, now) {
        Ok(at) => (Some(at), None),
        Err(e) => (None, Some(e)),
    };
    let engine = state.engine();
    let planned = match at {
        Some(at) if form.refresh => plan(
            engine.provider().as_ref(),
            engine.store(),
            engine.schedule_tag(),
            at,
        )
        .await
        .map(|p| InventoryPlan::of_planned(p, LISTED_CHANGES, LISTED_UNCHANGED)),
        Some(at) => plan_inventory(engine.store(), at, LISTED_CHANGES, LISTED_UNCHANGED).await,
        None => Ok(InventoryPlan::default()),
    };
    let planned = match planned {
        Ok(p) => p,
        Err(e) => return failure(e),
    };
    let field_error = |field: &str| {
        error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| super::sentence(m))
    };
    let unchanged = planned.by_action.get("none").copied().unwrap_or(0);
    let changes = planned.total - unchanged;
    let unlisted = planned.total - planned.listed.len();
    let body = html! {
        main id="main" {
            h1 { "Plan" }
            p.muted { "What the scheduler would do to each resource at an instant: now, or a local time you choose." }
            form.card.grid method="get" action="/ui/admin/plan" {
                div {
                    label for="at" { "Date and time" }
                    input #at type="datetime-local" name="at" value=(form.at) step="60"
                        aria-invalid=[field_error("at").is_some().then_some("true")];
                    p.hint { "Empty is now." }
                    @if let Some(m) = field_error("at") { p.field-error { (m) } }
                }
                div {
                    label for="zone" { "In the time zone" }
                    input #zone type="text" name="zone" value=(form.zone) placeholder="UTC"
                        aria-invalid=[field_error("zone").is_some().then_some("true")];
                    @if let Some(m) = field_error("zone") { p.field-error { (m) } }
                }
                div.submit {
                    button type="submit" { "Plan" }
                    " "
                    button.secondary type="submit" name="refresh" value="true" { "Ask the cloud" }
                }
            }
            @if let Some(at) = at {
                h2 { "At " (when(at)) " UTC: " (planned.total) " resources, " (changes) " to change" }
                p.muted {
                    @if form.refresh { "Resources as the cloud reports them now." }
                    @else if let Some(seen) = planned.oldest_seen {
                        "Resources as the scheduler last saw them (the oldest at " (when(seen)) " UTC). "
                        "“Ask the cloud” discovers them again, which takes longer with many."
                    }
                }
                @if planned.total == 0 {
                    p.empty.card { "No resources carry the schedule tag." }
                } @else {
                h3 { "Decisions" }
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("Schedule"),
                        Col::Always("State"),
                        Col::Always("Wanted"),
                        Col::Always("Action"),
                        Col::Always("Resources"),
                        Col::Optional("Why"),
                    ]))
                    tbody {
                        @for l in &planned.lines {
                            tr {
                                th scope="row" { (l.schedule) }
                                td { span class={ "state " (l.state) } { (l.state) } }
                                td { (l.desired.unwrap_or("—")) }
                                td { @if l.action == "none" { span.muted { "none" } } @else { strong { (l.action) } } }
                                td.num { (l.count) }
                                td.optional { (l.reason) }
                            }
                        }
                    }
                } }
                h3 { "Resources" }
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("Resource"),
                        Col::Always("Schedule"),
                        Col::Always("State"),
                        Col::Always("Wanted"),
                        Col::Always("Action"),
                        Col::Optional("Why"),
                    ]))
                    tbody {
                        @for p in &planned.listed {
                            @let action = p.decision.action.as_str();
                            tr {
                                th scope="row" { (p.resource.id) br; span.muted { (p.resource.region) } }
                                td { (p.schedule) }
                                td { span class={ "state " (p.resource.state.as_str()) } { (p.resource.state.as_str()) } }
                                td { (p.desired.unwrap_or("—")) }
                                td { @if action == "none" { span.muted { "none" } } @else { strong { (action) } } }
                                td.optional { (p.decision.reason) }
                            }
                        }
                    }
                } }
                @if unlisted > 0 {
                    p.muted { (unlisted) " more resources are counted above but not listed; " code { "isched plan" } " prints them all." }
                }
                }
            }
        }
    };
    let page = Page {
        title: "Plan",
        nav: Nav::Plan,
        refresh: None,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, shell(&state, &page, Some(&session), body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::{At, instant};

    fn at(at: &str, zone: &str) -> At {
        At {
            at: at.into(),
            zone: zone.into(),
            refresh: false,
        }
    }

    #[test]
    fn a_local_time_in_a_zone_is_its_instant() {
        let now = "2026-12-05T00:00:00Z".parse().expect("now");
        let got = instant(&at("2026-07-01T09:30", "Europe/Paris"), now).expect("instant");
        assert_eq!(got.to_string(), "2026-07-01T07:30:00Z");
        assert_eq!(instant(&at("", ""), now), Ok(now));
    }

    #[test]
    fn bad_fields_are_named() {
        let now = "2026-12-05T00:00:00Z".parse().expect("now");
        assert_eq!(
            instant(&at("tomorrow", ""), now).map_err(|e| e.0),
            Err("at")
        );
        assert_eq!(
            instant(&at("", "Mars/Olympus"), now).map_err(|e| e.0),
            Err("zone")
        );
    }
}
