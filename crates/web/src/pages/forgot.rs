//! `/ui/forgot`: a forgotten password. The sign-in service emails a code (answering the
//! same whether or not the email has an account), and the code with a new password signs
//! the user in. These routes share the sign-in routes' rate limit.

use super::sign_in::{HOME, after, page};
use crate::csrf::CsrfForm;
use crate::session::Visitor;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use isched_auth::service::AuthError;
use isched_server::{ApiError, AppState};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

fn ask_form(csrf: &str, email: &str, error: Option<&str>) -> Markup {
    html! {
        main.narrow id="main" {
            h1 { "Forgot your password?" }
            div.card {
                @if let Some(e) = error { p.notice.error role="alert" { (e) } }
                p { "We email you a code to set a new one." }
                form method="post" action="/ui/forgot" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
                    p { button type="submit" { "Email me a code" } }
                }
            }
            p { a href="/" { "Back to sign-in" } }
        }
    }
}

fn reset_form(csrf: &str, email: &str, error: Option<(&str, &str)>) -> Markup {
    let error_of = |field: &str| error.filter(|(f, _)| *f == field).map(|(_, m)| m);
    html! {
        main.narrow id="main" {
            h1 { "Set a new password" }
            div.card {
                @if let Some(m) = error_of("") { p.notice.error role="alert" { (m) } }
                p { "If " strong { (email) } " has an account, a code is on its way. It is valid for a limited time." }
                form method="post" action="/ui/forgot/confirm" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="email" value=(email);
                    label for="code" { "Code from the email" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus;
                    @if let Some(m) = error_of("code") { p.field-error { (m) } }
                    label for="new_password" { "New password" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" required;
                    @if let Some(m) = error_of("new_password") { p.field-error { (m) } }
                    p { button type="submit" { "Set password and sign in" } }
                }
            }
            p { a href="/ui/forgot" { "Send another code" } }
        }
    }
}

/// `GET /ui/forgot`.
pub(crate) async fn show(State(state): State<AppState>, visitor: Visitor) -> Response {
    page(&state, StatusCode::OK, ask_form(&visitor.csrf, "", None))
}

#[derive(Deserialize)]
pub(crate) struct Ask {
    email: String,
}

/// `POST /ui/forgot`.
pub(crate) async fn ask(
    State(state): State<AppState>,
    visitor: Visitor,
    CsrfForm(form): CsrfForm<Ask>,
) -> Response {
    let email = form.email.trim();
    match state.auth().forgot_password(email, state.now()).await {
        Ok(()) => page(
            &state,
            StatusCode::OK,
            reset_form(&visitor.csrf, email, None),
        ),
        Err(e) => {
            let e = ApiError::from(e);
            let message = super::sentence(&e.message);
            page(
                &state,
                e.status,
                ask_form(&visitor.csrf, email, Some(&message)),
            )
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct Reset {
    email: String,
    code: String,
    new_password: SecretString,
}

/// `POST /ui/forgot/confirm`: the code and a new password; then signed in.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<Reset>,
) -> Response {
    let (auth, now) = (state.auth(), state.now());
    let email = form.email.trim();
    let done = auth
        .confirm_forgot_password(email, form.code.trim(), &form.new_password, now)
        .await;
    if let Err(e) = done {
        let field = match &e {
            AuthError::PasswordPolicy(_) => "new_password",
            AuthError::InvalidCode(_) => "code",
            _ => "",
        };
        let e = ApiError::from(e);
        let message = super::sentence(&e.message);
        let form = reset_form(&visitor.csrf, email, Some((field, &message)));
        return page(&state, e.status, form);
    }
    match auth.login(email, &form.new_password, now).await {
        Ok(outcome) => after(&state, &headers, &visitor.csrf, outcome, HOME),
        Err(e) => {
            let message = super::sentence(&ApiError::from(e).message);
            page(
                &state,
                StatusCode::OK,
                ask_form(&visitor.csrf, email, Some(&message)),
            )
        }
    }
}
