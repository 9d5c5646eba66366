//! `/ui/admin/templates`: what users may create instances from. Admins list every template
//! (retired ones too), create and edit them with each problem next to its field, retire one
//! (no new instances) or delete one no instance uses. Changes go through the engine's
//! façade, as the API's do.

use super::admin::AdminSession;
use super::form::{Draft, Field, Input, clearable, field};
use super::{Col, Nav, Page, failure, head, money, shell};
use crate::csrf::{CsrfForm, Nothing};
use crate::session::Session;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use isched_engine::facade::Actor;
use isched_engine::plan::EngineError;
use isched_engine::templates::TemplateInput;
use isched_server::AppState;
use maud::html;
use std::collections::HashMap;

const FIELDS: &[Field] = &[
    field(
        "name",
        "Name",
        Input::Text,
        "Lower-case letters, digits and -; it cannot change later.",
    ),
    field(
        "description",
        "Description",
        Input::Text,
        "What users see when they choose it.",
    ),
    field("image", "Image", Input::Text, "An image id (EC2: ami-...)."),
    field(
        "instance_types",
        "Instance types",
        Input::List,
        "The types users may pick, comma-separated.",
    ),
    field(
        "default_instance_type",
        "Default type",
        Input::Text,
        "One of the types; empty: the first.",
    ),
    field(
        "fallback_instance_types",
        "Fallback types",
        Input::List,
        "Tried in order when the cloud has no capacity for the chosen type; comma-separated.",
    ),
    field(
        "schedule",
        "Schedule",
        Input::OneOf,
        "The schedule new instances follow.",
    ),
    field(
        "max_lifetime_hours",
        "Longest life (hours)",
        Input::Number { decimal: false },
        "Owners can extend up to this; empty: 168.",
    ),
    field(
        "on_expiry",
        "At the end of its life",
        Input::Choice(&[("stop", "stop"), ("terminate", "terminate")]),
        "",
    ),
    clearable(field(
        "hourly_price",
        "Price per hour",
        Input::Number { decimal: true },
        "Shown to users; empty: the provider's price list.",
    )),
    field(
        "region",
        "Region",
        Input::Text,
        "Empty: the provider's only region.",
    ),
    clearable(field(
        "account",
        "Account",
        Input::Text,
        "Empty: the account isched runs in.",
    )),
    clearable(field("subnet", "Subnet", Input::Text, "")),
    field(
        "security_groups",
        "Security groups",
        Input::List,
        "Comma-separated.",
    ),
    clearable(field(
        "root_volume_gb",
        "Root volume (GB)",
        Input::Number { decimal: false },
        "",
    )),
    field(
        "tags",
        "Tags",
        Input::Tags,
        "key=value, one per line; isched adds its own.",
    ),
    clearable(field(
        "user_data",
        "User data",
        Input::Lines,
        "cloud-init; {{owner}} and {{name}} are filled in at launch.",
    )),
];

/// `GET /ui/admin/templates`.
pub(crate) async fn list(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
) -> Response {
    let templates = match state.engine().templates(true, None, 500).await {
        Ok((t, _)) => t,
        Err(e) => return failure(e),
    };
    let csrf = session.csrf.as_str();
    let body = html! {
        main id="main" {
            h1 { "Templates" }
            p.muted { "What users may create instances from. Retired templates make no new instances; their instances keep running." }
            p { a.button href="/ui/admin/templates/new" { "New template" } }
            @if templates.is_empty() {
                p.empty.card { "No templates yet." }
            } @else {
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("Template"),
                        Col::Always("Types"),
                        Col::Optional("Schedule"),
                        Col::Optional("Life"),
                        Col::Optional("Price"),
                        Col::Always("State"),
                        Col::Always(""),
                    ]))
                    tbody {
                        @for t in &templates {
                            @let prices = state.engine().template_prices(&t.spec);
                            tr {
                                th scope="row" {
                                    a href={ "/ui/admin/templates/" (t.name) "/edit" } { (t.name) }
                                    @if !t.spec.description.is_empty() { br; span.muted { (t.spec.description) } }
                                }
                                td { (t.spec.instance_types.join(", ")) }
                                td.optional { a href={ "/ui/schedules/" (t.spec.schedule) } { (t.spec.schedule) } }
                                td.optional { (t.spec.max_lifetime_hours) " h, then " (t.spec.on_expiry.as_str()) }
                                td.optional {
                                    @match prices.get(&t.spec.default_instance_type) {
                                        Some(Some(p)) => { (money(*p)) "/h" }
                                        _ => { "—" }
                                    }
                                }
                                td {
                                    @if t.retired_at.is_some() { span.state.stopped { "retired" } }
                                    @else { span.state.running { "in service" } }
                                }
                                td { div.actions {
                                    @if t.retired_at.is_none() {
                                        form.inline method="post" action={ "/ui/admin/templates/" (t.name) "/retire" }
                                            data-confirm={ "Retire " (t.name) "? No new instances can be made from it." } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button.small.secondary type="submit" aria-label={ "Retire " (t.name) } { "Retire" }
                                        }
                                    }
                                    form.inline method="post" action={ "/ui/admin/templates/" (t.name) "/delete" }
                                        data-confirm={ "Delete " (t.name) "? This cannot be undone." } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button.small.secondary.danger type="submit" aria-label={ "Delete " (t.name) } { "Delete" }
                                    }
                                } }
                            }
                        }
                    }
                } }
            }
        }
    };
    let page = Page {
        title: "Templates",
        nav: Nav::Templates,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}

/// `GET /ui/admin/templates/new`.
pub(crate) async fn new(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
) -> Response {
    let mut draft = Draft::default();
    draft.values.insert("on_expiry".into(), "stop".into());
    form(&state, &session, None, draft, StatusCode::OK).await
}

/// `GET /ui/admin/templates/{name}/edit`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(name): Path<String>,
) -> Response {
    match state.engine().template(&name).await {
        Ok(t) => {
            let stored = serde_json::to_value(&t).unwrap_or_default();
            form(
                &state,
                &session,
                Some(&name),
                Draft::of(&stored),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// `POST /ui/admin/templates`.
pub(crate) async fn create(
    state: State<AppState>,
    admin: AdminSession,
    form: CsrfForm<HashMap<String, String>>,
) -> Response {
    save(state, admin, None, form).await
}

/// `POST /ui/admin/templates/{name}`.
pub(crate) async fn update(
    state: State<AppState>,
    admin: AdminSession,
    Path(name): Path<String>,
    form: CsrfForm<HashMap<String, String>>,
) -> Response {
    save(state, admin, Some(name), form).await
}

async fn save(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    existing: Option<String>,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> Response {
    let mut draft = Draft::typed(values);
    match attempt(&state, &session, existing.as_deref(), &mut draft).await {
        Ok(()) => Redirect::to("/ui/admin/templates").into_response(),
        Err(Some(page)) => page,
        Err(None) => {
            form(
                &state,
                &session,
                existing.as_deref(),
                draft,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Creates or updates the template from `draft`. `Err(None)`: the problems are in `draft`,
/// for the form; `Err(Some(page))`: a failure that is not about the input.
async fn attempt(
    state: &AppState,
    session: &Session,
    existing: Option<&str>,
    draft: &mut Draft,
) -> Result<(), Option<Response>> {
    let mut body = draft.body(FIELDS, existing.is_some());
    if let (Some(_), Some(fields)) = (existing, body.as_object_mut()) {
        // The name is the page's (templates are not renamed).
        fields.remove("name");
    }
    if draft.has_problems() {
        return Err(None);
    }
    let input: TemplateInput = serde_json::from_value(body).map_err(|e| {
        draft.general.push(super::sentence(&e.to_string()));
        None
    })?;
    let actor = Actor::user(session.user());
    let engine = state.engine();
    let saved = match existing {
        None => engine.create_template(&actor, input).await,
        Some(name) => engine.update_template(&actor, name, input).await,
    };
    saved.map(drop).map_err(|e| {
        let name = existing
            .map(str::to_owned)
            .or_else(|| draft.values.get("name").map(|n| n.trim().to_owned()))
            .unwrap_or_default();
        draft.refused(FIELDS, &format!("template {name:?}"), e)
    })
}

async fn form(
    state: &AppState,
    session: &Session,
    existing: Option<&str>,
    mut draft: Draft,
    status: StatusCode,
) -> Response {
    let schedules = match state.engine().definitions().catalog().await {
        Ok(c) => c.schedules().map(|s| s.name().to_owned()).collect(),
        Err(e) => return failure(EngineError::from(e)),
    };
    draft.options.insert("schedule", schedules);
    let title = match existing {
        Some(name) => format!("Edit the template {name}"),
        None => "New template".to_owned(),
    };
    let action = match existing {
        Some(name) => format!("/ui/admin/templates/{name}"),
        None => "/ui/admin/templates".to_owned(),
    };
    let body = html! {
        main id="main" {
            h1 { (title) }
            @if existing.is_some() { p.muted { "Instances made from it keep what they were made with." } }
            (draft.summary(FIELDS))
            form.card.editor method="post" action=(action) novalidate {
                input type="hidden" name="csrf" value=(session.csrf.as_str());
                @for f in FIELDS {
                    (draft.input(f, f.name == "name" && existing.is_some()))
                }
                div.actions {
                    button type="submit" { "Save" }
                    a.button.secondary href="/ui/admin/templates" { "Cancel" }
                }
            }
        }
    };
    let page = Page {
        title: &title,
        nav: Nav::Templates,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

/// `POST /ui/admin/templates/{name}/{action}`: `retire` or `delete`.
pub(crate) async fn act(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path((name, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    let actor = Actor::user(session.user());
    let engine = state.engine();
    let done = match action.as_str() {
        "retire" => engine.retire_template(&actor, &name).await.map(drop),
        "delete" => engine.delete_template(&actor, &name).await,
        other => {
            return failure(isched_server::ApiError::not_found(format!(
                "no template action {other:?}"
            )));
        }
    };
    match done {
        Ok(()) => Redirect::to("/ui/admin/templates").into_response(),
        Err(e) => failure(e),
    }
}
