//! `/ui/schedules`: every schedule with its state now and its next change; and one
//! schedule's page with its week (in its own zone or the viewer's, DST days marked) and
//! the resources that follow it.

use super::week::{chart, week};
use super::{Col, Nav, Page, failure, head, shell, when};
use crate::session::Session;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use isched_server::AppState;
use isched_store::inventory::InventoryQuery;
use jiff::tz::TimeZone;
use maud::html;
use serde::Deserialize;

/// Resources listed on a schedule's page.
const LISTED: u32 = 100;

/// `GET /ui/schedules`.
pub(crate) async fn list(State(state): State<AppState>, session: Session) -> Response {
    let catalog = match state.engine().definitions().catalog().await {
        Ok(c) => c,
        Err(e) => return failure(isched_engine::plan::EngineError::from(e)),
    };
    let now = state.now();
    let mut schedules: Vec<_> = catalog.schedules().collect();
    schedules.sort_by(|a, b| a.name().cmp(b.name()));
    let body = html! {
        main id="main" {
            h1 { "Schedules" }
            p.actions {
                @if session.user().is_admin() { a.button href="/ui/schedules/new" { "New schedule" } " " }
                a.button.secondary href="/ui/periods" { "Periods" }
            }
            @if schedules.is_empty() {
                p.empty.card { "No schedules yet. Create one here, through the API, or with " code { "isched schedules import" } "." }
            } @else {
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("Schedule"),
                        Col::Always("Time zone"),
                        Col::Always("Now"),
                        Col::Always("Next change (UTC)"),
                    ]))
                    tbody {
                        @for s in &schedules {
                            @let now_state = s.state_at(now).state.as_str();
                            tr {
                                td { a href={ "/ui/schedules/" (s.name()) } { (s.name()) } }
                                td { (s.time_zone().iana_name().unwrap_or("UTC")) }
                                td { span class={ "state " (now_state) } { (now_state) } }
                                td.when {
                                    @match s.next_transition(now) {
                                        Some(t) => { (when(t.at)) " → " (t.state.as_str()) }
                                        None => { "—" }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    };
    let page = Page {
        title: "Schedules",
        nav: Nav::Schedules,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}

#[derive(Deserialize)]
pub(crate) struct WeekQuery {
    /// Any day of the week to show (`YYYY-MM-DD`); this week by default.
    week: Option<String>,
    /// An IANA zone to read it in; the schedule's own by default.
    zone: Option<String>,
}

/// `GET /ui/schedules/{name}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(name): Path<String>,
    Query(q): Query<WeekQuery>,
) -> Response {
    let engine = state.engine();
    let catalog = match engine.definitions().catalog().await {
        Ok(c) => c,
        Err(e) => return failure(isched_engine::plan::EngineError::from(e)),
    };
    let Some(schedule) = catalog.schedule(&name) else {
        return failure(isched_server::ApiError::not_found(format!(
            "no schedule named {name:?}"
        )));
    };
    let own = schedule.time_zone().clone();
    let own_name = own.iana_name().unwrap_or("UTC").to_owned();
    let (zone, zone_error) = match q.zone.as_deref().filter(|z| !z.is_empty()) {
        None => (own.clone(), None),
        Some(z) => match TimeZone::get(z) {
            Ok(tz) => (tz, None),
            Err(_) => (
                own.clone(),
                Some(format!("{z:?} is not a time zone; showing {own_name}")),
            ),
        },
    };
    let zone_name = zone.iana_name().unwrap_or("UTC").to_owned();
    let today = state.now().to_zoned_datetime(zone.clone()).date();
    let (day, week_error) = match q.week.as_deref().filter(|w| !w.is_empty()) {
        None => (today, None),
        Some(w) => match w.parse::<jiff::civil::Date>() {
            Ok(d) => (d, None),
            Err(_) => (
                today,
                Some(format!(
                    "{w:?} is not a date (YYYY-MM-DD); showing this week"
                )),
            ),
        },
    };
    let monday = day
        .checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
        .unwrap_or(day);
    let days = week(schedule, &zone, monday);
    let step = |weeks: i64| {
        monday
            .checked_add(jiff::Span::new().weeks(weeks))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let query = InventoryQuery {
        schedule: Some(name.clone()),
        limit: LISTED,
        ..InventoryQuery::default()
    };
    let (resources, more) = match engine.inventory(&query).await {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let title = format!("{name}: the week of {monday} in {zone_name}");
    let body = html! {
        main id="main" {
            h1 { (name) }
            p.muted { "Runs in " (own_name) ". Now: " (schedule.state_at(state.now()).state.as_str()) "." }
            @if session.user().is_admin() {
                p.actions { a.button.secondary href={ "/ui/schedules/" (name) "/edit" } { "Edit" } }
            }
            @for e in zone_error.iter().chain(week_error.iter()) {
                p.notice.warn role="alert" { (e) }
            }
            form.week-controls method="get" action={ "/ui/schedules/" (name) } {
                label for="zone" { "Time zone" }
                select id="zone" name="zone" data-viewer-zone {
                    option value=(own_name) selected[zone_name == own_name] { "the schedule's (" (own_name) ")" }
                    @if zone_name != own_name {
                        option value=(zone_name) selected { (zone_name) }
                    }
                    option value="UTC" selected[zone_name == "UTC" && own_name != "UTC"] { "UTC" }
                }
                label for="week" { "Week of" }
                input type="date" id="week" name="week" value=(monday.to_string());
                button.secondary type="submit" { "Show" }
            }
            p.week-nav {
                a href={ "?week=" (step(-1)) "&zone=" (zone_name) } { "← Previous week" }
                " "
                a href={ "?week=" (step(1)) "&zone=" (zone_name) } { "Next week →" }
            }
            (chart(&days, &title))
            h2 { "Resources on " (name) }
            @if resources.is_empty() {
                p.empty.card { "No resource follows this schedule yet: tag one with " code { "Schedule=" (name) } "." }
            } @else {
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("Resource"),
                        Col::Always("Region"),
                        Col::Always("State"),
                        Col::Always("Type"),
                        Col::Always("Last seen (UTC)"),
                    ]))
                    tbody {
                        @for r in &resources {
                            tr {
                                td { (r.cloud_id) @if let Some(n) = r.tags.get("Name") { br; span.muted { (n) } } }
                                td { (r.region) }
                                td { span class={ "state " (r.state) } { (r.state) } }
                                td { (r.instance_type.as_deref().unwrap_or("")) }
                                td.when { (when(r.last_seen)) }
                            }
                        }
                    }
                } }
                @if more { p.muted { "The first " (LISTED) "; " code { "isched resources list --schedule " (name) } " lists them all." } }
            }
        }
    };
    let page = Page {
        title: &name,
        nav: Nav::Schedules,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}
