//! The schedule and period editors (admins): one form per definition. The engine checks the
//! whole set of definitions on every change, and each problem it finds is shown next to the
//! field it names, with what was typed kept; nothing is stored until the set is valid. Every
//! change goes through the engine's façade, so it is audited once and reaches every replica.

use super::admin::AdminSession;
use super::{Col, Nav, Page, failure, head, sentence, shell};
use crate::csrf::CsrfForm;
use crate::session::Session;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use isched_engine::definitions::{DefinitionError, Kind};
use isched_engine::facade::Actor;
use isched_engine::plan::EngineError;
use isched_server::AppState;
use maud::{Markup, html};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// How a field is typed in.
enum Input {
    Text,
    /// A checkbox: checked sends `true`, unchecked leaves the field out (upstream's default).
    Flag,
    /// One of these values (the first, empty, leaves the field out).
    Choice(&'static [(&'static str, &'static str)]),
}

struct Field {
    name: &'static str,
    label: &'static str,
    input: Input,
    hint: &'static str,
}

const fn field(name: &'static str, label: &'static str, input: Input, hint: &'static str) -> Field {
    Field {
        name,
        label,
        input,
        hint,
    }
}

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

/// What the form shows: the values typed (or stored), and the problems found in them.
#[derive(Default)]
struct Draft {
    values: HashMap<String, String>,
    /// Problems by field name.
    problems: BTreeMap<String, Vec<String>>,
    /// Problems that name no field of this form (another definition's, the set's).
    general: Vec<String>,
}

impl Draft {
    /// The form's values from a stored definition (lists joined with commas).
    fn of(stored: &Value) -> Draft {
        let values = stored
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(true) => "on".into(),
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => return None,
                };
                Some((k.clone(), text))
            })
            .collect();
        Draft {
            values,
            ..Draft::default()
        }
    }

    /// The JSON body the API takes, from the form: empty fields left out.
    fn body(&self, kind: Kind) -> Value {
        let mut body = Map::new();
        for f in fields(kind) {
            let value = self.values.get(f.name).map(|v| v.trim()).unwrap_or("");
            if value.is_empty() {
                continue;
            }
            let value = match f.input {
                Input::Flag => Value::Bool(true),
                _ => Value::String(value.to_owned()),
            };
            body.insert(f.name.to_owned(), value);
        }
        Value::Object(body)
    }

    /// Sorts `e`'s problems to their fields: those of this definition (named `name`) next
    /// to the field, the rest above the form.
    fn refused(&mut self, kind: Kind, name: &str, e: EngineError) -> Option<Response> {
        let own = format!("{} {name:?}", kind.as_str());
        match e {
            EngineError::Definitions(DefinitionError::Invalid(problems)) => {
                for p in problems {
                    let ours = p.owner.as_deref().is_none_or(|o| o == own);
                    if ours && fields(kind).iter().any(|f| f.name == p.field) {
                        let message = match &p.token {
                            Some(token) => format!("{token:?}: {}", p.message),
                            None => p.message.clone(),
                        };
                        self.problems
                            .entry(p.field)
                            .or_default()
                            .push(sentence(&message));
                    } else {
                        self.general.push(sentence(&p.to_string()));
                    }
                }
                None
            }
            EngineError::Definitions(DefinitionError::Conflict(message)) => {
                self.problems
                    .entry("name".into())
                    .or_default()
                    .push(sentence(&message));
                None
            }
            other => Some(failure(other)),
        }
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
    let mut draft = Draft {
        values,
        ..Draft::default()
    };
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
            draft.body(kind),
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
        Err(e) => match draft.refused(kind, &name, e) {
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
            @if !draft.general.is_empty() || !draft.problems.is_empty() {
                // The summary links each problem to its field, which also shows it.
                div.notice.error role="alert" {
                    p { strong { "Nothing was saved." } " Fix what is marked:" }
                    ul {
                        @for f in fields(kind) {
                            @if let Some(problems) = draft.problems.get(f.name) {
                                li { a href={ "#f-" (f.name) } { (f.label) } ": " (problems.join(" ")) }
                            }
                        }
                        @for g in &draft.general { li { (g) } }
                    }
                }
            }
            form.card.editor method="post" action=(action) novalidate {
                input type="hidden" name="csrf" value=(session.csrf.as_str());
                @for f in fields(kind) {
                    (input(f, draft, existing.is_some()))
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

fn input(f: &Field, draft: &Draft, editing: bool) -> Markup {
    let value = draft.values.get(f.name).map(String::as_str).unwrap_or("");
    let problems = draft.problems.get(f.name);
    let id = format!("f-{}", f.name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = match (f.hint.is_empty(), problems.is_some()) {
        (true, false) => None,
        (false, false) => Some(hint_id.clone()),
        (true, true) => Some(error_id.clone()),
        (false, true) => Some(format!("{hint_id} {error_id}")),
    };
    let invalid = problems.is_some().then_some("true");
    html! {
        div.field {
            @match f.input {
                Input::Flag => {
                    label.check for=(id) {
                        input type="checkbox" id=(id) name=(f.name) checked[!value.is_empty()] aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                        " " (f.label)
                    }
                }
                Input::Choice(options) => {
                    label for=(id) { (f.label) }
                    select id=(id) name=(f.name) aria-describedby=[described.as_deref()] aria-invalid=[invalid] {
                        @for (v, text) in options {
                            option value=(v) selected[*v == value] { (text) }
                        }
                    }
                }
                Input::Text => {
                    label for=(id) { (f.label) }
                    @if f.name == "name" && editing {
                        input type="text" id=(id) name=(f.name) value=(value) readonly aria-describedby=[described.as_deref()];
                    } @else {
                        input type="text" id=(id) name=(f.name) value=(value) aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                    }
                }
            }
            @if !f.hint.is_empty() { p.hint id=(hint_id) { (f.hint) } }
            @if let Some(problems) = problems {
                p.field-error id=(error_id) { (problems.join(" ")) }
            }
        }
    }
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
