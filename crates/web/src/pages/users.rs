//! `/ui/admin/users`: every user with their groups, status and MFA; create one (its
//! temporary password shown here once when there is no email), disable or enable, reset
//! the password or MFA, set groups. Each change goes through the same sign-in service as
//! the API's, so its checks (never the last active admin) and its audit are the same.

use super::admin::AdminSession;
use super::{Col, Nav, Page, Refusal, failure, head, shell};
use crate::csrf::{CsrfForm, Nothing};
use crate::session::Session;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use isched_auth::admin::IssuedPassword;
use isched_server::{ApiError, AppState};
use isched_store::users::UserStatus;
use maud::{Markup, html};
use secrecy::ExposeSecret;
use serde::Deserialize;

/// What the page says above the list after a change.
enum Notice {
    None,
    /// A temporary password to hand over, shown this once.
    Password {
        email: String,
        issued: IssuedPassword,
    },
    Error(Refusal),
}

/// `GET /ui/admin/users`.
pub(crate) async fn list(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
) -> Response {
    page(&state, &session, Notice::None, StatusCode::OK).await
}

async fn page(state: &AppState, session: &Session, notice: Notice, status: StatusCode) -> Response {
    let mut users = match state.store().list_users().await {
        Ok(u) => u,
        Err(e) => return failure(e),
    };
    users.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
    let field_error = |field: &str| match &notice {
        Notice::Error(r) => r.next_to(field),
        _ => None,
    };
    let csrf = session.csrf.as_str();
    let body = html! {
        main id="main" {
            h1 { "Users" }
            @match &notice {
                Notice::Password { email, issued } => {
                    @if let Some(p) = &issued.temporary_password {
                        div.notice.warn role="status" {
                            p { "The temporary password of " strong { (email) } " is shown this once; hand it over safely. It must be changed at the first sign-in." }
                            p { code.secret #temporary { (p.expose_secret()) } " " button.small.secondary type="button" data-copy="temporary" { "Copy" } }
                        }
                    } @else if issued.emailed {
                        p.notice.ok role="status" { "A temporary password was emailed to " (email) "." }
                    }
                }
                Notice::Error(r) => { (r.notice()) }
                _ => {}
            }
            form.card.grid method="post" action="/ui/admin/users" {
                input type="hidden" name="csrf" value=(csrf);
                div {
                    label for="email" { "Email" }
                    input #email type="email" name="email" required autocomplete="off";
                    @if let Some(m) = field_error("email") { p.field-error { (m) } }
                }
                div {
                    label for="groups" { "Groups" }
                    input #groups type="text" name="groups" placeholder="e.g. admin, team-a";
                    p.hint { "Comma-separated; " code { "admin" } " makes an administrator." }
                    @if let Some(m) = field_error("groups") { p.field-error { (m) } }
                }
                div.submit { button type="submit" { "Create user" } }
            }
            h2 { (users.len()) " users" }
            div.table-wrap tabindex="0" { table {
                (head(&[
                    Col::Always("Email"),
                    Col::Always("Status"),
                    Col::Always("Groups"),
                    Col::Optional("MFA"),
                    Col::Always("Actions"),
                ]))
                tbody {
                    @for u in &users {
                        @let id = u.id.as_str();
                        @let email = u.email.as_str();
                        tr {
                            th scope="row" { (email) }
                            td { span class={ "state " (status_class(u.status)) } { (u.status.as_str()) } }
                            td {
                                form.inline method="post" action={ "/ui/admin/users/" (id) "/groups" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    label.sr-only for={ "groups-" (id) } { "Groups of " (email) }
                                    input type="text" id={ "groups-" (id) } name="groups" value=(u.roles.join(", "));
                                    button.small.secondary type="submit" aria-label={ "Save the groups of " (email) } { "Save" }
                                }
                            }
                            td.optional { @if u.mfa_enabled { "on" } @else { "off" } }
                            td { div.actions {
                                (action(csrf, id, "reset-password", "Reset password", &format!("Give {email} a new temporary password?"), false))
                                @if u.mfa_enabled {
                                    (action(csrf, id, "reset-mfa", "Reset MFA", &format!("Remove the MFA of {email}? They enrol again."), false))
                                }
                                @if u.status == UserStatus::Disabled {
                                    (action(csrf, id, "enable", "Enable", &format!("Let {email} sign in again?"), false))
                                } @else {
                                    (action(csrf, id, "disable", "Disable", &format!("Disable {email}? Their sessions end."), true))
                                }
                            } }
                        }
                    }
                }
            } }
        }
    };
    let page = Page {
        title: "Users",
        nav: Nav::Users,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

fn status_class(s: UserStatus) -> &'static str {
    match s {
        UserStatus::Disabled => "failed",
        _ => "running",
    }
}

fn action(csrf: &str, id: &str, what: &str, label: &str, confirm: &str, danger: bool) -> Markup {
    html! {
        form.inline method="post" action={ "/ui/admin/users/" (id) "/" (what) } data-confirm=(confirm) {
            input type="hidden" name="csrf" value=(csrf);
            button.small.secondary.danger[danger] type="submit" { (label) }
        }
    }
}

fn groups_of(text: &str) -> Vec<String> {
    text.split(',')
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct NewUser {
    email: String,
    #[serde(default)]
    groups: String,
}

/// The sign-in service's refusal, above the form: its messages name no form field.
fn refused(e: impl Into<ApiError>) -> (StatusCode, Notice) {
    let (status, refusal) = Refusal::of(e, &[]);
    (status, Notice::Error(refusal))
}

/// `POST /ui/admin/users`.
pub(crate) async fn create(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    CsrfForm(form): CsrfForm<NewUser>,
) -> Response {
    let groups = groups_of(&form.groups);
    let created = state
        .auth()
        .create_user(session.user(), &form.email, Some(&groups), state.now())
        .await;
    match created {
        Ok((user, issued)) => {
            let by = format!("by {}", session.user().email.as_str());
            state.engine().announce_user_created(&user, &by).await;
            let email = user.email.as_str().to_owned();
            page(
                &state,
                &session,
                Notice::Password { email, issued },
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, mut refusal) = Refusal::of(e, &[]);
            // The sign-in service names no field: a bad or taken address is the email's.
            if refusal.field.is_none() && refusal.message.contains("email") {
                refusal.field = Some("email".into());
            }
            page(&state, &session, Notice::Error(refusal), status).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct Groups {
    #[serde(default)]
    groups: String,
}

/// `POST /ui/admin/users/{id}/groups`.
pub(crate) async fn set_groups(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Groups>,
) -> Response {
    let groups = groups_of(&form.groups);
    match state
        .auth()
        .set_groups(session.user(), &id, &groups, state.now())
        .await
    {
        Ok(_) => Redirect::to("/ui/admin/users").into_response(),
        Err(e) => {
            let (status, notice) = refused(e);
            page(&state, &session, notice, status).await
        }
    }
}

/// `POST /ui/admin/users/{id}/{action}`: reset-password, reset-mfa, disable, enable.
pub(crate) async fn act(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
    Path((id, what)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    let auth = state.auth();
    let (actor, now) = (session.user(), state.now());
    let done: Result<Notice, isched_auth::service::AuthError> = match what.as_str() {
        "reset-password" => match auth.reset_password(actor, &id, now).await {
            Ok(issued) => {
                let email = match state.store().user_by_id(&id).await {
                    Ok(Some(u)) => u.email.as_str().to_owned(),
                    _ => id.clone(),
                };
                Ok(Notice::Password { email, issued })
            }
            Err(e) => Err(e),
        },
        "reset-mfa" => auth
            .remove_totp(&actor.id, &id, now)
            .await
            .map(|_| Notice::None),
        "disable" => auth
            .set_disabled(actor, &id, true, now)
            .await
            .map(|_| Notice::None),
        "enable" => auth
            .set_disabled(actor, &id, false, now)
            .await
            .map(|_| Notice::None),
        _ => return failure(ApiError::not_found(format!("no action {what:?}"))),
    };
    match done {
        Ok(Notice::None) => Redirect::to("/ui/admin/users").into_response(),
        Ok(notice) => page(&state, &session, notice, StatusCode::OK).await,
        Err(e) => {
            let (status, notice) = refused(e);
            page(&state, &session, notice, status).await
        }
    }
}
