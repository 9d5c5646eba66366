//! `/ui/instances`: the signed-in user's instances (admins see their own here too) with
//! state, schedule, next stop, end of life and cost so far; a form that creates one from a
//! template; and the actions on each (start, stop, extend, terminate). Every change goes
//! through the engine, as the API's do.

use super::{Col, Nav, Page, failure, head, money, sentence, shell, when};
use crate::csrf::CsrfForm;
use crate::session::Session;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use isched_engine::Outlook;
use isched_engine::instances::CreateInstance;
use isched_server::{ApiError, AppState};
use isched_store::instances::{Instance, InstanceQuery, Lifecycle};
use isched_store::templates::StoredTemplate;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

/// At most this many instances and templates on the page (quotas keep users well below).
const LISTED: u32 = 200;
/// The lifetime extensions offered, in hours.
const EXTENSIONS: [u32; 4] = [1, 4, 8, 24];

/// A refused create request, shown next to the form.
struct Refusal {
    field: Option<String>,
    message: String,
}

#[derive(Deserialize)]
pub(crate) struct NewInstance {
    /// `template|type`, from one select.
    choice: String,
    name: String,
}

fn actions(session: &Session, i: &Instance, state: &str) -> Markup {
    let live = matches!(i.lifecycle, Lifecycle::Active);
    let base = format!("/ui/instances/{}", i.id);
    html! {
        @if live {
            div.actions {
                @if state == "stopped" {
                    form.inline method="post" action={ (base) "/start" } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        button.small.secondary type="submit" aria-label={ "Start " (i.name) } { "Start" }
                    }
                } @else if state == "running" || state == "pending" {
                    form.inline method="post" action={ (base) "/stop" } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        button.small.secondary type="submit" aria-label={ "Stop " (i.name) } { "Stop" }
                    }
                }
                form.inline method="post" action={ (base) "/extend" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    select id={ "hours-" (i.id) } name="hours" aria-label={ "Hours to extend " (i.name) " by" } {
                        @for h in EXTENSIONS { option value=(h) { "+" (h) " h" } }
                    }
                    button.small.secondary type="submit" { "Extend" }
                }
                form.inline method="post" action={ (base) "/terminate" }
                    data-confirm={ "Terminate " (i.name) "? Its disks are deleted; this cannot be undone." } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button.small.danger type="submit" aria-label={ "Terminate " (i.name) } { "Terminate" }
                }
            }
        } @else if i.lifecycle == Lifecycle::Provisioning {
            a href={ "/ui/jobs/" (i.job) } { "Progress" }
        }
    }
}

fn table(session: &Session, items: &[(Instance, Outlook)]) -> Markup {
    html! {
        @if items.is_empty() {
            p.empty.card { "No instances yet. Create one below." }
        } @else {
            div.table-wrap tabindex="0" {
                table {
                    (head(&[
                        Col::Always("Name"),
                        Col::Always("State"),
                        Col::Optional("Template and type"),
                        Col::Optional("Schedule"),
                        Col::Always("Next stop (UTC)"),
                        Col::Optional("Life ends (UTC)"),
                        Col::Always("Cost so far"),
                        Col::Always("Actions"),
                    ]))
                    tbody {
                        @for (i, outlook) in items {
                            @let state = i.shown_state();
                            tr {
                                td { strong { (i.name) } br; span.muted.id { (i.cloud_id.as_deref().unwrap_or("")) } }
                                td { span class={ "state " (state) } { (state) } }
                                td class="optional" { (i.template) br; span.muted { (i.instance_type) } }
                                td class="optional" { (i.schedule) }
                                td.when { (outlook.next_stop.map(when).unwrap_or_else(|| "—".into())) }
                                td.when.optional { (when(i.expires_at)) }
                                td { (money(outlook.cost_so_far)) }
                                td { (actions(session, i, &state)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A template with the hourly price of each type it allows.
type Offer = (StoredTemplate, BTreeMap<String, Option<f64>>);

fn create_form(session: &Session, templates: &[Offer], refusal: Option<&Refusal>) -> Markup {
    let error_on = |field: &str| refusal.filter(|r| r.field.as_deref() == Some(field));
    let general = refusal.filter(|r| {
        !matches!(
            r.field.as_deref(),
            Some("name" | "template" | "instance_type")
        )
    });
    html! {
        h2 id="create" { "New instance" }
        @if templates.is_empty() {
            p.card.empty { "No templates yet: an admin defines what you can create." }
        } @else {
            div.card {
                @if let Some(r) = general {
                    p.notice.error role="alert" { (r.message) }
                }
                form method="post" action="/ui/instances" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    div.grid {
                        div {
                            label for="choice" { "Template and type" }
                            select id="choice" name="choice" aria-describedby="choice-error" {
                                @for (t, prices) in templates {
                                    optgroup label={ (t.name) @if !t.spec.description.is_empty() { " — " (t.spec.description) } } {
                                        @for ty in &t.spec.instance_types {
                                            option value={ (t.name) "|" (ty) } {
                                                (t.name) ": " (ty)
                                                @if let Some(Some(p)) = prices.get(ty) { " (" (money(*p)) "/h)" }
                                            }
                                        }
                                    }
                                }
                            }
                            @if let Some(r) = error_on("template").or(error_on("instance_type")) {
                                p.field-error id="choice-error" { (r.message) }
                            }
                        }
                        div {
                            label for="name" { "Name" }
                            input type="text" id="name" name="name" required pattern="[A-Za-z0-9_-]{1,63}" aria-describedby="name-hint name-error";
                            p.hint id="name-hint" { "Letters, digits, - and _." }
                            @if let Some(r) = error_on("name") {
                                p.field-error id="name-error" { (r.message) }
                            }
                        }
                        div.submit { button type="submit" { "Create instance" } }
                    }
                }
            }
        }
    }
}

async fn render(state: &AppState, session: &Session, refusal: Option<Refusal>) -> Response {
    let engine = state.engine();
    let query = InstanceQuery {
        owner: Some(session.user().id.clone()),
        include_gone: false,
        after: None,
        limit: LISTED,
    };
    let listed = async {
        let (instances, _) = engine.instances(session.user(), query).await?;
        let outlooks = engine.outlooks(&instances).await?;
        let (templates, _) = engine.templates(false, None, LISTED).await?;
        Ok::<_, isched_engine::plan::EngineError>((instances, outlooks, templates))
    };
    let (instances, outlooks, templates) = match listed.await {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let items: Vec<(Instance, Outlook)> = instances.into_iter().zip(outlooks).collect();
    let templates: Vec<Offer> = templates
        .into_iter()
        .map(|t| {
            let prices = engine.template_prices(&t.spec);
            (t, prices)
        })
        .collect();
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = html! {
        main id="main" {
            h1 { "My instances" }
            (table(session, &items))
            (create_form(session, &templates, refusal.as_ref()))
        }
    };
    let page = Page {
        title: "My instances",
        nav: Nav::Instances,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

/// `GET /ui/instances`.
pub(crate) async fn list(State(state): State<AppState>, session: Session) -> Response {
    render(&state, &session, None).await
}

/// `POST /ui/instances`: stores the request and shows its job's progress.
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    CsrfForm(form): CsrfForm<NewInstance>,
) -> Response {
    let (template, instance_type) = form
        .choice
        .split_once('|')
        .map_or((form.choice.as_str(), None), |(t, ty)| (t, Some(ty)));
    let request = CreateInstance {
        template: template.to_owned(),
        name: form.name.trim().to_owned(),
        instance_type: instance_type.map(str::to_owned),
    };
    match state
        .engine()
        .create_instance(session.user(), request, None)
        .await
    {
        Ok((_, job)) => Redirect::to(&format!("/ui/jobs/{}", job.id)).into_response(),
        Err(e) => {
            let e = ApiError::from(e);
            if e.status.is_server_error() {
                return failure(e);
            }
            let refusal = Refusal {
                field: e.field.clone(),
                message: sentence(&e.message),
            };
            render(&state, &session, Some(refusal)).await
        }
    }
}

/// `POST /ui/instances/{id}/{action}`: start, stop, extend or terminate, then back to
/// the list.
pub(crate) async fn act(
    State(state): State<AppState>,
    session: Session,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
) -> Response {
    let engine = state.engine();
    let user = session.user();
    let done = match action.as_str() {
        "start" => engine.power_instance(user, &id, true, false).await,
        "stop" => engine.power_instance(user, &id, false, false).await,
        "terminate" => engine.terminate_instance(user, &id).await,
        "extend" => {
            let hours = form
                .get("hours")
                .and_then(|h| h.parse::<u32>().ok())
                .unwrap_or(0);
            engine.extend_instance(user, &id, hours).await
        }
        _ => return failure(ApiError::not_found(format!("no action {action:?}"))),
    };
    match done {
        Ok(_) => Redirect::to("/ui/instances").into_response(),
        Err(e) => failure(e),
    }
}
