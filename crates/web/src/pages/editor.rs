//! The schedule and period editors (admins): one form per definition. The engine checks the
//! whole set of definitions on every change, and each problem it finds is shown next to the
//! field it names, with what was typed kept; nothing is stored until the set is valid. Every
//! change goes through the engine's façade, so it is audited once and reaches every replica.

use super::admin::AdminSession;
use super::form::{Draft, Field, Input, field};
use super::{Col, Nav, Page, failure, head, shell};
use crate::csrf::CsrfForm;
use crate::session::Session;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use isched_engine::definitions::Kind;
use isched_engine::facade::Actor;
use isched_engine::plan::EngineError;
use isched_server::AppState;
use maud::html;
use serde_json::Value;
use std::collections::HashMap;

const SCHEDULE_FIELDS: &[Field] = &[
    field(
        "name",
        "Name",
        Input::Text,
        "The value of the Schedule tag that selects it.",
    ),
    field("description", "Description", Input::Text, ""),
    field(
        "timezone",
        "Time zone",
        Input::Text,
        "An IANA name such as Europe/Paris; empty means UTC.",
    ),
    field(
        "periods",
        "Periods",
        Input::Text,
        "Period names, comma-separated; period@instance-type resizes while it runs.",
    ),
    field(
        "calendars",
        "Holiday calendars",
        Input::Text,
        "Calendar names, comma-separated (optional).",
    ),
    field(
        "calendar_days",
        "On calendar days",
        Input::Choice(&[("", "stopped"), ("running", "running")]),
        "",
    ),
    field(
        "override_status",
        "Override",
        Input::Choice(&[
            ("", "none: follow the periods"),
            ("running", "always running"),
            ("stopped", "always stopped"),
        ]),
        "",
    ),
    field(
        "enforced",
        "Enforced: undo starts and stops made by hand",
        Input::Flag,
        "",
    ),
    field(
        "retain_running",
        "Retain running: leave running what was started by hand before the period",
        Input::Flag,
        "",
    ),
    field(
        "stop_new_instances",
        "Stop new instances found running outside the periods",
        Input::Flag,
        "",
    ),
    field(
        "hibernate",
        "Hibernate EC2 instances instead of stopping them",
        Input::Flag,
        "",
    ),
];

const PERIOD_FIELDS: &[Field] = &[
    field("name", "Name", Input::Text, ""),
    field("description", "Description", Input::Text, ""),
    field(
        "begintime",
        "Begins at",
        Input::Text,
        "HH:MM in the schedule's zone; empty: from midnight.",
    ),
    field(
        "endtime",
        "Ends at",
        Input::Text,
        "HH:MM; before the beginning for an overnight period.",
    ),
    field(
        "weekdays",
        "Weekdays",
        Input::Text,
        "Such as mon-fri, sat#1 (the first Saturday) or friL (the last Friday).",
    ),
    field(
        "monthdays",
        "Days of the month",
        Input::Text,
        "Such as 1-15, L (the last) or 15W (the weekday nearest the 15th).",
    ),
    field("months", "Months", Input::Text, "Such as jan-mar or 1,6."),
    field(
        "start_cron",
        "Start (cron)",
        Input::Text,
        "Instead of the fields above: min hour dom month dow.",
    ),
    field(
        "stop_cron",
        "Stop (cron)",
        Input::Text,
        "Goes with Start (cron).",
    ),
];

fn fields(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Schedule => SCHEDULE_FIELDS,
        _ => PERIOD_FIELDS,
    }
}

/// `schedules` or `periods`, as in the page's path.
fn plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Schedule => "schedules",
        _ => "periods",
    }
}

/// `GET /ui/schedules/new`.
pub(crate) async fn new_schedule(state: State<AppState>, admin: AdminSession) -> Response {
    new(state, admin, Kind::Schedule).await
}

/// `GET /ui/periods/new`.
pub(crate) async fn new_period(state: State<AppState>, admin: AdminSession) -> Response {
    new(state, admin, Kind::Period).await
}

async fn new(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    kind: Kind,
) -> Response {
    form(
        &state,
        &session,
        kind,
        None,
        &Draft::default(),
        StatusCode::OK,
    )
}

/// `GET /ui/schedules/{name}/edit`.
pub(crate) async fn edit_schedule(
    state: State<AppState>,
    admin: AdminSession,
    name: Path<String>,
) -> Response {
    edit(state, admin, name, Kind::Schedule).await
}

/// `GET /ui/periods/{name}/edit`.
pub(crate) async fn edit_period(
    state: State<AppState>,
    admin: AdminSession,
    name: Path<String>,
) -> Response {
    edit(state, admin, name, Kind::Period).await
}

async fn edit(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(name): Path<String>,
    kind: Kind,
) -> Response {
    match state.engine().definitions().get(kind, &name).await {
        Ok(stored) => form(
            &state,
            &session,
            kind,
            Some(&name),
            &Draft::of(&stored),
            StatusCode::OK,
        ),
        Err(e) => failure(EngineError::from(e)),
    }
}

/// `POST /ui/schedules`.
pub(crate) async fn create_schedule(
    state: State<AppState>,
    admin: AdminSession,
    form: CsrfForm<HashMap<String, String>>,
) -> Response {
    save(state, admin, None, form, Kind::Schedule).await
}

/// `POST /ui/periods`.
pub(crate) async fn create_period(
    state: State<AppState>,
    admin: AdminSession,
    form: CsrfForm<HashMap<String, String>>,
) -> Response {
    save(state, admin, None, form, Kind::Period).await
}

/// `POST /ui/schedules/{name}`.
pub(crate) async fn update_schedule(
    state: State<AppState>,
    admin: AdminSession,
    Path(name): Path<String>,
    form: CsrfForm<HashMap<String, String>>,
) -> Response {
    save(state, admin, Some(name), form, Kind::Schedule).await
}

/// `POST /ui/periods/{name}`.
pub(crate) async fn update_period(
    state: State<AppState>,
    admin: AdminSession,
    Path(name): Path<String>,
    form: CsrfForm<HashMap<String, String>>,
) -> Response {
    save(state, admin, Some(name), form, Kind::Period).await
}

async fn save(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    existing: Option<String>,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
    kind: Kind,
) -> Response {
    let mut draft = Draft::typed(values);
    if let Some(name) = &existing {
        // The name is the page's; renaming is not offered (schedules refer to periods by name).
        draft.values.insert("name".into(), name.clone());
    }
    let name = draft
        .values
        .get("name")
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    let saved = state
        .engine()
        .put_definition(
            &Actor::user(session.user()),
            kind,
            existing.as_deref(),
            draft.body(fields(kind), false),
        )
        .await;
    match saved {
        Ok(_) => {
            let to = match kind {
                Kind::Schedule => format!("/ui/schedules/{name}"),
                _ => "/ui/periods".to_owned(),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => match draft.refused(fields(kind), &format!("{} {name:?}", kind.as_str()), e) {
            Some(page) => page,
            None => form(
                &state,
                &session,
                kind,
                existing.as_deref(),
                &draft,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        },
    }
}

fn form(
    state: &AppState,
    session: &Session,
    kind: Kind,
    existing: Option<&str>,
    draft: &Draft,
    status: StatusCode,
) -> Response {
    let what = kind.as_str();
    let title = match existing {
        Some(name) => format!("Edit the {what} {name}"),
        None => format!("New {what}"),
    };
    let action = match existing {
        Some(name) => format!("/ui/{}/{name}", plural(kind)),
        None => format!("/ui/{}", plural(kind)),
    };
    let body = html! {
        main id="main" {
            h1 { (title) }
            (draft.summary(fields(kind)))
            form.card.editor method="post" action=(action) novalidate {
                input type="hidden" name="csrf" value=(session.csrf.as_str());
                @for f in fields(kind) {
                    (draft.input(f, f.name == "name" && existing.is_some()))
                }
                div.actions {
                    button type="submit" { "Save" }
                    a.button.secondary href={ "/ui/" (plural(kind)) } { "Cancel" }
                }
            }
        }
    };
    let page = Page {
        title: &title,
        nav: Nav::Schedules,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

/// `GET /ui/periods`: every period, what it says and which schedules use it.
pub(crate) async fn periods(State(state): State<AppState>, session: Session) -> Response {
    let definitions = state.engine().definitions();
    let (periods, schedules) = match (
        definitions.list(Kind::Period).await,
        definitions.list(Kind::Schedule).await,
    ) {
        (Ok(p), Ok(s)) => (p, s),
        (Err(e), _) | (_, Err(e)) => return failure(EngineError::from(e)),
    };
    let users = |period: &str| -> Vec<String> {
        schedules
            .iter()
            .filter(|s| {
                s["periods"].as_array().into_iter().flatten().any(|p| {
                    p.as_str()
                        .is_some_and(|p| p.split('@').next() == Some(period))
                })
            })
            .filter_map(|s| s["name"].as_str().map(str::to_owned))
            .collect()
    };
    let text = |p: &Value, key: &str| p[key].as_str().unwrap_or("").to_owned();
    let admin = session.user().is_admin();
    let body = html! {
        main id="main" {
            h1 { "Periods" }
            p.muted { "The times a schedule runs: schedules list them by name." }
            @if admin { p { a.button href="/ui/periods/new" { "New period" } } }
            div.table-wrap tabindex="0" { table {
                (head(&[
                    Col::Always("Period"),
                    Col::Always("Times"),
                    Col::Always("Days"),
                    Col::Always("Used by"),
                ]))
                tbody {
                    @for p in &periods {
                        @let name = text(p, "name");
                        tr {
                            td {
                                @if admin { a href={ "/ui/periods/" (name) "/edit" } { (name) } } @else { (name) }
                            }
                            td {
                                @if p["start_cron"].is_string() {
                                    code { (text(p, "start_cron")) } " → " code { (text(p, "stop_cron")) }
                                } @else {
                                    (text(p, "begintime")) "–" (text(p, "endtime"))
                                }
                            }
                            td { (text(p, "weekdays")) " " (text(p, "monthdays")) " " (text(p, "months")) }
                            td {
                                @for (i, s) in users(&name).iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href={ "/ui/schedules/" (s) } { (s) }
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    let page = Page {
        title: "Periods",
        nav: Nav::Schedules,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}
