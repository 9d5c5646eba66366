//! `/ui/admin/...`: pages for admins, behind the same step-up as the API's admin routes
//! (a password, and the MFA code when enrolled, entered within the step-up window). The
//! fleet page lists every self-service instance with its owner, and force-stops any.

use super::{Col, Nav, Page, failure, head, money, shell, when};
use crate::csrf::{CsrfForm, Nothing};
use crate::session::Session;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use isched_server::AppState;
use isched_store::instances::{InstanceQuery, Lifecycle};
use maud::html;
use std::collections::HashMap;

/// An admin who signed in within the step-up window.
pub(crate) struct AdminSession(pub Session);

/// None when `session` may use admin pages now (the API's rule for admins); else the page
/// that says what to do: the step-up form when the sign-in is too old.
fn refusal(state: &AppState, session: &Session, path: &str) -> Option<Response> {
    let e = isched_server::admin_refusal(&session.principal, state)?;
    if let Some(page) = step_up_if_stale(state, session, &e, path) {
        return Some(page);
    }
    let title = match e.code {
        "mfa_required" => "Enrol MFA first",
        _ => "Admins only",
    };
    Some(super::error_page(
        e.status,
        title,
        &super::sentence(&e.message),
    ))
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state).await?;
        // After the step-up the browser GETs `next`: an action goes back to its page
        // (`/ui/admin/users/ID/disable` to `/ui/admin/users`).
        let path = parts.uri.path();
        let next = if parts.method == axum::http::Method::GET {
            path.to_owned()
        } else {
            path.split('/').take(4).collect::<Vec<_>>().join("/")
        };
        match refusal(state, &session, &next) {
            Some(page) => Err(page),
            None => Ok(AdminSession(session)),
        }
    }
}

/// A signed-in user whose sign-in is recent enough for what needs a step-up (enrolling
/// MFA); an older one gets the step-up form, which leads back to the account page.
pub(crate) struct RecentSession(pub Session);

impl FromRequestParts<AppState> for RecentSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state).await?;
        let Some(e) = isched_server::step_up_refusal(&session.principal, state) else {
            return Ok(RecentSession(session));
        };
        Err(step_up_if_stale(state, &session, &e, "/ui/account")
            .unwrap_or_else(|| super::failure(e)))
    }
}

/// The step-up form (back to `next` once confirmed) when `e` refuses a sign-in that is
/// older than the step-up window; None for any other refusal.
fn step_up_if_stale(
    state: &AppState,
    session: &Session,
    e: &isched_server::ApiError,
    next: &str,
) -> Option<Response> {
    (e.code == "reauthentication_required").then(|| step_up_page(state, session, next, None))
}

/// "Confirm it is you": the password again, then back to `next`.
pub(crate) fn step_up_page(
    state: &AppState,
    session: &Session,
    next: &str,
    error: Option<&str>,
) -> Response {
    let minutes = state.auth().settings().step_up_window.as_mins();
    let body = html! {
        main.narrow id="main" {
            h1 { "Confirm it is you" }
            div.card {
                @if let Some(e) = error { p.notice.error role="alert" { (e) } }
                p { "This needs a sign-in within the last " (minutes) " minutes. Enter your password to go on." }
                form method="post" action="/ui/step-up" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="next" value=(next);
                    label for="password" { "Password" }
                    input type="password" id="password" name="password" autocomplete="current-password" required autofocus;
                    p { button type="submit" { "Confirm" } }
                }
            }
        }
    };
    let page = Page {
        title: "Confirm it is you",
        nav: Nav::Admin,
        refresh: None,
    };
    (
        StatusCode::UNAUTHORIZED,
        shell(state, &page, Some(session), body),
    )
        .into_response()
}

/// `GET /ui/admin/instances`: every live instance, with its owner.
pub(crate) async fn fleet(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
) -> Response {
    let engine = state.engine();
    let query = InstanceQuery {
        owner: None,
        include_gone: false,
        after: None,
        limit: 500,
    };
    let loaded = async {
        let (instances, more) = engine.instances(session.user(), query).await?;
        let outlooks = engine.outlooks(&instances).await?;
        let users = engine.store().list_users().await?;
        Ok::<_, isched_engine::plan::EngineError>((instances, more, outlooks, users))
    };
    let (instances, more, outlooks, users) = match loaded.await {
        Ok(x) => x,
        Err(e) => return failure(e),
    };
    let owners: HashMap<&str, &str> = users
        .iter()
        .map(|u| (u.id.as_str(), u.email.as_str()))
        .collect();
    let body = html! {
        main id="main" {
            h1 { "Fleet" }
            p.muted {
                (instances.len()) @if instances.len() == 1 { " live self-service instance" } @else { " live self-service instances" }
                @if more { " (the first 500)" } "."
            }
            @if instances.is_empty() {
                p.empty.card { "Nobody has an instance." }
            } @else {
                div.table-wrap tabindex="0" { table {
                    (head(&[
                        Col::Always("Name"),
                        Col::Always("Owner"),
                        Col::Always("State"),
                        Col::Optional("Template and type"),
                        Col::Always("Next stop (UTC)"),
                        Col::Always("Cost so far"),
                        Col::Always("Actions"),
                    ]))
                    tbody {
                        @for (i, outlook) in instances.iter().zip(&outlooks) {
                            @let s = i.shown_state();
                            tr {
                                td { strong { (i.name) } br; span.muted.id { (i.cloud_id.as_deref().unwrap_or("")) } }
                                td { (owners.get(i.owner.as_str()).copied().unwrap_or(i.owner.as_str())) }
                                td { span class={ "state " (s) } { (s) } }
                                td class="optional" { (i.template) br; span.muted { (i.instance_type) } }
                                td.when { (outlook.next_stop.map(when).unwrap_or_else(|| "—".into())) }
                                td { (money(outlook.cost_so_far)) }
                                td {
                                    @if i.lifecycle == Lifecycle::Active && s != "stopped" {
                                        form.inline method="post" action={ "/ui/admin/instances/" (i.id) "/force-stop" }
                                            data-confirm={ "Force-stop " (i.name) "? Its owner is not asked." } {
                                            input type="hidden" name="csrf" value=(session.csrf);
                                            button.small.danger type="submit" aria-label={ "Force-stop " (i.name) } { "Force-stop" }
                                        }
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
        title: "Fleet",
        nav: Nav::Admin,
        refresh: None,
    };
    shell(&state, &page, Some(&session), body).into_response()
}

/// `POST /ui/admin/instances/{id}/force-stop`.
pub(crate) async fn force_stop(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    match state
        .engine()
        .power_instance(session.user(), &id, false, true)
        .await
    {
        Ok(_) => Redirect::to("/ui/admin/instances").into_response(),
        Err(e) => failure(e),
    }
}
