//! `/`: signing in, with the challenges the sign-in service may ask (a new password in
//! place of a temporary one, a TOTP or recovery code), and signing out. The sign-in service
//! does the work, with the same lockout as the API; the routes share its rate limit.

use super::{Nav, Page, shell};
use crate::csrf::{CsrfForm, Nothing};
use crate::session::{RefreshToken, Visitor, signed_in_cookies, signed_out_cookies, with_cookies};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use isched_auth::service::{LoginOutcome, NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, TokenSet};
use isched_server::{ApiError, AppState};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

/// Where a signed-in user lands.
pub(crate) const HOME: &str = "/ui/instances";

#[derive(Deserialize)]
pub(crate) struct Login {
    email: String,
    password: SecretString,
}

#[derive(Deserialize)]
pub(crate) struct Challenge {
    challenge: String,
    session: String,
    new_password: Option<SecretString>,
    code: Option<String>,
    /// Where to go once signed in (a step-up returns to the page that asked for it).
    #[serde(default)]
    next: String,
}

/// What the sign-in form shows besides its fields.
#[derive(Default)]
struct Shown<'a> {
    email: &'a str,
    error: Option<String>,
}

pub(crate) fn page(state: &AppState, status: StatusCode, body: Markup) -> Response {
    let page = Page {
        title: "Sign in",
        nav: Nav::None,
        refresh: None,
    };
    (status, shell(state, &page, None, body)).into_response()
}

fn error_notice(error: &Option<String>) -> Markup {
    html! {
        @if let Some(e) = error {
            p.notice.error role="alert" id="form-error" { (e) }
        }
    }
}

fn sign_in_form(csrf: &str, shown: &Shown<'_>) -> Markup {
    html! {
        main.narrow id="main" {
            h1 { "Sign in to isched" }
            div.card {
                (error_notice(&shown.error))
                form method="post" action="/ui/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="email" { "Email" }
                    input type="email" id="email" name="email" value=(shown.email) autocomplete="username" required autofocus;
                    label for="password" { "Password" }
                    input type="password" id="password" name="password" autocomplete="current-password" required;
                    p { button type="submit" { "Sign in" } }
                }
            }
            p { a href="/ui/forgot" { "Forgot your password?" } }
        }
    }
}

fn challenge_form(
    csrf: &str,
    challenge: &str,
    session: &str,
    next: &str,
    error: &Option<String>,
) -> Markup {
    let new_password = challenge == NEW_PASSWORD_REQUIRED;
    html! {
        main.narrow id="main" {
            h1 { @if new_password { "Choose your password" } @else { "Enter your code" } }
            div.card {
                (error_notice(error))
                form method="post" action="/ui/challenge" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="challenge" value=(challenge);
                    input type="hidden" name="session" value=(session);
                    input type="hidden" name="next" value=(next);
                    @if new_password {
                        p { "You signed in with a temporary password. Choose your own to go on." }
                        label for="new_password" { "New password" }
                        input type="password" id="new_password" name="new_password" autocomplete="new-password" required autofocus aria-describedby="pw-hint";
                        p.hint id="pw-hint" { "At least 12 characters." }
                        p { button type="submit" { "Set password and sign in" } }
                    } @else {
                        label for="code" { "Code from your authenticator app (or a recovery code)" }
                        input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus;
                        p { button type="submit" { "Sign in" } }
                    }
                }
            }
        }
    }
}

/// `GET /`: the sign-in page, or home for a signed-in user.
pub(crate) async fn show(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.signed_in {
        return Redirect::to(HOME).into_response();
    }
    page(
        &state,
        StatusCode::OK,
        sign_in_form(&visitor.csrf, &Shown::default()),
    )
}

/// Where a sign-in step leads: `next` (a page of this site, else home) with the session's
/// cookies, or the next challenge.
pub(crate) fn after(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
    outcome: LoginOutcome,
    next: &str,
) -> Response {
    match outcome {
        LoginOutcome::Tokens(tokens) => signed_in(headers, &tokens, local(next)),
        LoginOutcome::Challenge { challenge, session } => page(
            state,
            StatusCode::OK,
            challenge_form(csrf, challenge, &session, next, &None),
        ),
    }
}

fn signed_in(headers: &HeaderMap, tokens: &TokenSet, next: &str) -> Response {
    with_cookies(
        Redirect::to(next).into_response(),
        &signed_in_cookies(headers, tokens),
    )
}

/// The status and sentence of a refused step (a locked account says when to try again).
fn refused(e: isched_auth::service::AuthError) -> (StatusCode, String) {
    let e = ApiError::from(e);
    let mut message = super::sentence(&e.message);
    if let Some(secs) = e.retry_after {
        message.push_str(&format!(" Try again in {secs} seconds."));
    }
    (e.status, message)
}

/// `POST /ui/login`.
pub(crate) async fn login(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<Login>,
) -> Response {
    match state
        .auth()
        .login(&form.email, &form.password, state.now())
        .await
    {
        Ok(outcome) => after(&state, &headers, &visitor.csrf, outcome, HOME),
        Err(e) => {
            let (status, message) = refused(e);
            let shown = Shown {
                email: &form.email,
                error: Some(message),
            };
            page(&state, status, sign_in_form(&visitor.csrf, &shown))
        }
    }
}

/// `POST /ui/challenge`.
pub(crate) async fn challenge(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<Challenge>,
) -> Response {
    let now = state.now();
    let outcome = match form.challenge.as_str() {
        NEW_PASSWORD_REQUIRED => {
            let password = form.new_password.unwrap_or_else(|| SecretString::from(""));
            state
                .auth()
                .respond_new_password(&form.session, &password, now)
                .await
        }
        SOFTWARE_TOKEN_MFA => {
            // One field takes both: an app's code is digits, a recovery code has letters.
            let code = form.code.as_deref().map(str::trim).unwrap_or_default();
            let (totp, recovery) = if code.chars().all(|c| c.is_ascii_digit()) {
                (Some(code), None)
            } else {
                (None, Some(code))
            };
            state
                .auth()
                .respond_mfa(&form.session, totp, recovery, now)
                .await
                .map(LoginOutcome::Tokens)
        }
        _ => {
            return page(
                &state,
                StatusCode::BAD_REQUEST,
                sign_in_form(&visitor.csrf, &Shown::default()),
            );
        }
    };
    match outcome {
        Ok(outcome) => after(&state, &headers, &visitor.csrf, outcome, &form.next),
        Err(e) => {
            let (status, message) = refused(e);
            // An expired or spent session starts over; a refused answer asks again.
            let body = if status == StatusCode::UNAUTHORIZED {
                sign_in_form(
                    &visitor.csrf,
                    &Shown {
                        email: "",
                        error: Some(message),
                    },
                )
            } else {
                challenge_form(
                    &visitor.csrf,
                    &form.challenge,
                    &form.session,
                    &form.next,
                    &Some(message),
                )
            };
            page(&state, status, body)
        }
    }
}

/// The answer to a browser over the sign-in rate limit: a page saying when to try again.
pub(crate) fn too_many_requests(secs: u64) -> Response {
    let mut page = super::error_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Slow down",
        &format!("Too many sign-in attempts from this address. Try again in {secs} seconds."),
    );
    page.headers_mut()
        .insert(axum::http::header::RETRY_AFTER, secs.into());
    page
}

/// `POST /ui/logout`: revokes the session's refresh token and clears its cookies.
pub(crate) async fn logout(
    State(state): State<AppState>,
    axum::Extension(RefreshToken(refresh)): axum::Extension<RefreshToken>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    if let Some(token) = refresh
        && let Err(e) = state.auth().logout(&token, state.now()).await
    {
        tracing::debug!(error = %e, "sign-out of a session already ended");
    }
    with_cookies(Redirect::to("/").into_response(), &signed_out_cookies())
}

#[derive(Deserialize)]
pub(crate) struct StepUp {
    password: SecretString,
    next: String,
}

/// Only pages of this site are followed after a sign-in step.
fn local(next: &str) -> &str {
    if next.starts_with("/ui/") && !next.starts_with("/ui/assets/") && !next.contains("//") {
        next
    } else {
        HOME
    }
}

/// `POST /ui/step-up`: the signed-in user's password again; a fresh session replaces the
/// old one (whose refresh token is revoked), then back to the admin page asked for.
pub(crate) async fn step_up(
    State(state): State<AppState>,
    session: crate::session::Session,
    headers: HeaderMap,
    axum::Extension(RefreshToken(old)): axum::Extension<RefreshToken>,
    CsrfForm(form): CsrfForm<StepUp>,
) -> Response {
    let now = state.now();
    let email = session.user().email.as_str().to_owned();
    let next = local(&form.next).to_owned();
    match state.auth().login(&email, &form.password, now).await {
        Ok(LoginOutcome::Tokens(tokens)) => {
            if let Some(old) = old {
                let _ = state.auth().logout(&old, now).await;
            }
            with_cookies(
                Redirect::to(&next).into_response(),
                &signed_in_cookies(&headers, &tokens),
            )
        }
        Ok(LoginOutcome::Challenge {
            challenge,
            session: s,
        }) => page(
            &state,
            StatusCode::OK,
            challenge_form(&session.csrf, challenge, &s, &next, &None),
        ),
        Err(e) => {
            let (_, message) = refused(e);
            super::admin::step_up_page(&state, &session, &next, Some(&message))
        }
    }
}
