//! `/ui/account`: the signed-in user's own settings: their password, the authenticator
//! (TOTP) with its QR code and recovery codes, and personal access tokens for the CLI. Each
//! change goes through the sign-in service, with the API's rules (enrolling or removing MFA
//! needs a recent sign-in; secrets are shown once).

use super::admin::RecentSession;
use super::{Col, Nav, Page, Refusal, failure, head, sentence, shell, when};
use crate::csrf::{CsrfForm, Nothing};
use crate::session::{Session, signed_in_cookies, with_cookies};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use isched_auth::pat::{DEFAULT_PAT_DAYS, MAX_PAT_DAYS, SCOPES};
use isched_auth::service::{AuthError, LoginOutcome};
use isched_server::{ApiError, AppState};
use isched_store::users::User;
use maud::{Markup, html};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// What the page says above its sections after a change.
enum Notice {
    None,
    Done(&'static str),
    /// A new personal access token, shown this once.
    Token {
        name: String,
        token: SecretString,
    },
    /// Recovery codes, shown this once.
    RecoveryCodes(Vec<String>),
    Error(Refusal),
}

/// `GET /ui/account`.
pub(crate) async fn show(State(state): State<AppState>, session: Session) -> Response {
    page(&state, &session, Notice::None, StatusCode::OK).await
}

async fn page(state: &AppState, session: &Session, notice: Notice, status: StatusCode) -> Response {
    // The session's copy of the user may predate this request's change (MFA enrolled).
    let user = match state.store().user_by_id(&session.user().id).await {
        Ok(Some(u)) => u,
        Ok(None) => return failure(ApiError::not_found("your account is gone")),
        Err(e) => return failure(e),
    };
    let tokens = match state.store().list_personal_access_tokens(&user.id).await {
        Ok(t) => t,
        Err(e) => return failure(e),
    };
    let now = state.now();
    let live: Vec<_> = tokens
        .iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
        .collect();
    let field_error = |field: &str| match &notice {
        Notice::Error(r) => r.next_to(field),
        _ => None,
    };
    let csrf = session.csrf.as_str();
    let scopes: Vec<&str> = SCOPES
        .iter()
        .copied()
        .filter(|s| *s != "admin" || user.is_admin())
        .collect();
    let body = html! {
        main id="main" {
            h1 { "Your account" }
            p.muted { "Signed in as " strong { (user.email.as_str()) } "." }
            (notice_markup(&notice))
            section.card aria-labelledby="password-title" {
                h2 #password-title { "Password" }
                @if user.password_hash.is_some() {
                    form.grid method="post" action="/ui/account/password" {
                        input type="hidden" name="csrf" value=(csrf);
                        div {
                            label for="current_password" { "Current password" }
                            input #current_password type="password" name="current_password" autocomplete="current-password" required;
                            @if let Some(m) = field_error("current_password") { p.field-error { (m) } }
                        }
                        div {
                            label for="new_password" { "New password" }
                            input #new_password type="password" name="new_password" autocomplete="new-password" required aria-describedby="new-password-hint";
                            p.hint #new-password-hint { "Your other sessions are signed out." }
                            @if let Some(m) = field_error("new_password") { p.field-error { (m) } }
                        }
                        div.submit { button type="submit" { "Change password" } }
                    }
                } @else {
                    p { "You sign in through an external identity provider; change your password there." }
                }
            }
            section.card aria-labelledby="mfa-title" {
                h2 #mfa-title { "Two-step sign-in" }
                @if user.mfa_enabled {
                    p { "An authenticator app is enrolled: sign-ins ask for its code." }
                    div.actions {
                        form.inline method="post" action="/ui/account/mfa/recovery-codes"
                            data-confirm="Make new recovery codes? The old ones stop working." {
                            input type="hidden" name="csrf" value=(csrf);
                            button.secondary type="submit" { "New recovery codes" }
                        }
                        form.inline method="post" action="/ui/account/mfa/remove"
                            data-confirm="Remove your authenticator? Sign-ins ask only for the password." {
                            input type="hidden" name="csrf" value=(csrf);
                            button.secondary.danger type="submit" { "Remove the authenticator" }
                        }
                    }
                } @else {
                    p { "Protect your account with a code from an authenticator app as well as your password." }
                    form method="post" action="/ui/account/mfa" {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { "Set up an authenticator" }
                    }
                }
            }
            section.card aria-labelledby="tokens-title" {
                h2 #tokens-title { "Personal access tokens" }
                p.hint { "For the CLI and automation: send one as " code { "Authorization: Bearer …" } ". " code { "read" } " allows only reading." }
                form.grid method="post" action="/ui/account/tokens" {
                    input type="hidden" name="csrf" value=(csrf);
                    div {
                        label for="token-name" { "Name" }
                        input #token-name type="text" name="name" required maxlength="100" placeholder="e.g. laptop CLI";
                        @if let Some(m) = field_error("name") { p.field-error { (m) } }
                    }
                    fieldset {
                        legend { "Scopes" }
                        @for s in &scopes {
                            label.check { input type="checkbox" name={ "scope_" (s) } checked[*s == "read"]; " " (s) }
                        }
                        @if let Some(m) = field_error("scopes") { p.field-error { (m) } }
                    }
                    div {
                        label for="token-days" { "Expires in (days)" }
                        input #token-days type="number" name="days" min="1" max=(MAX_PAT_DAYS) value=(DEFAULT_PAT_DAYS) required;
                        @if let Some(m) = field_error("expires_in_days") { p.field-error { (m) } }
                    }
                    div.submit { button type="submit" { "Create token" } }
                }
                @if live.is_empty() {
                    p.empty { "No live tokens." }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        (head(&[
                            Col::Always("Name"),
                            Col::Always("Scopes"),
                            Col::Always("Expires (UTC)"),
                            Col::Optional("Last used (UTC)"),
                            Col::Always("Actions"),
                        ]))
                        tbody {
                            @for t in &live {
                                tr {
                                    th scope="row" { (t.name) }
                                    td { (t.scopes.join(", ")) }
                                    td.when { (when(t.expires_at)) }
                                    td.when.optional { (t.last_used_at.map(when).unwrap_or_else(|| "never".into())) }
                                    td {
                                        form.inline method="post" action={ "/ui/account/tokens/" (t.id) "/revoke" }
                                            data-confirm={ "Revoke " (t.name) "? What uses it stops working." } {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button.small.secondary.danger type="submit" aria-label={ "Revoke " (t.name) } { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        }
    };
    let page = Page {
        title: "Your account",
        nav: Nav::Account,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

fn notice_markup(notice: &Notice) -> Markup {
    html! {
        @match notice {
            Notice::Done(what) => { p.notice.ok role="status" { (what) } }
            Notice::Token { name, token } => {
                div.notice.warn role="status" {
                    p { "The token " strong { (name) } " is shown this once; copy it now." }
                    p { code.secret #new-token { (token.expose_secret()) } " " button.small.secondary type="button" data-copy="new-token" { "Copy" } }
                }
            }
            Notice::RecoveryCodes(codes) => {
                div.notice.warn role="status" {
                    p { "Your recovery codes are shown this once. Keep them somewhere safe: each signs you in once without the app." }
                    ul.codes #recovery-codes { @for c in codes { li { code { (c) } } } }
                    button.small.secondary type="button" data-copy="recovery-codes" { "Copy" }
                }
            }
            Notice::Error(r) => { (r.notice()) }
            _ => {}
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PasswordChange {
    current_password: SecretString,
    new_password: SecretString,
}

/// `POST /ui/account/password`: every session ends, this one gets fresh tokens.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> Response {
    let (auth, now) = (state.auth(), state.now());
    if let Err(e) = auth
        .change_password(
            session.user(),
            &form.current_password,
            &form.new_password,
            now,
        )
        .await
    {
        let (status, notice) = match e {
            AuthError::PasswordPolicy(m) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Refusal {
                    field: Some("new_password".into()),
                    message: m,
                },
            ),
            e => Refusal::of(e, &["current_password"]),
        };
        let notice = Notice::Error(notice);
        return page(&state, &session, notice, status).await;
    }
    let email = session.user().email.as_str().to_owned();
    match auth.login(&email, &form.new_password, now).await {
        Ok(LoginOutcome::Tokens(tokens)) => {
            let done = page(
                &state,
                &session,
                Notice::Done("Your password is changed; your other sessions are signed out."),
                StatusCode::OK,
            )
            .await;
            with_cookies(done, &signed_in_cookies(&headers, &tokens))
        }
        // A second step (MFA) is needed: sign in again from the start.
        _ => Redirect::to("/").into_response(),
    }
}

/// `POST /ui/account/mfa`: starts enrolment and shows the QR code.
pub(crate) async fn begin_mfa(
    State(state): State<AppState>,
    RecentSession(session): RecentSession,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    match state.auth().begin_totp(session.user(), state.now()).await {
        Ok(enrolment) => enrol_page(
            &state,
            &session,
            Some((&enrolment.otpauth_uri, &enrolment.secret)),
            None,
        ),
        Err(e) => {
            let (status, refusal) = Refusal::of(e, &[]);
            let notice = Notice::Error(refusal);
            page(&state, &session, notice, status).await
        }
    }
}

/// The QR code (when the enrolment just began) and the form for the app's first code.
fn enrol_page(
    state: &AppState,
    session: &Session,
    started: Option<(&str, &str)>,
    error: Option<String>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let body = html! {
        main.narrow id="main" {
            h1 { "Set up an authenticator" }
            div.card {
                @if let Some((uri, secret)) = started {
                    p { "Scan this code with an authenticator app (1Password, Google Authenticator, Authy…), or type the key below." }
                    @if let Some(qr) = crate::qr::svg(uri, "QR code of your authenticator key") { (qr) }
                    p.key { "Key:" code.secret #totp-secret { (secret) } button.small.secondary type="button" data-copy="totp-secret" { "Copy" } }
                }
                form method="post" action="/ui/account/mfa/confirm" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="code" { "The 6-digit code the app shows" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus
                        aria-invalid=[error.is_some().then_some("true")];
                    @if let Some(e) = &error { p.field-error { (e) } }
                    p { button type="submit" { "Turn on" } }
                }
            }
            p { a href="/ui/account" { "Back to your account" } }
        }
    };
    let page = Page {
        title: "Set up an authenticator",
        nav: Nav::Account,
        refresh: None,
    };
    (status, shell(state, &page, Some(session), body)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct Code {
    code: String,
}

/// `POST /ui/account/mfa/confirm`: the app's first code turns MFA on; recovery codes once.
pub(crate) async fn confirm_mfa(
    State(state): State<AppState>,
    RecentSession(session): RecentSession,
    CsrfForm(form): CsrfForm<Code>,
) -> Response {
    match state
        .auth()
        .confirm_totp(session.user(), form.code.trim(), state.now())
        .await
    {
        Ok(codes) => {
            page(
                &state,
                &session,
                Notice::RecoveryCodes(codes),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ AuthError::InvalidCode(_)) => {
            let e = ApiError::from(e);
            enrol_page(&state, &session, None, Some(sentence(&e.message)))
        }
        Err(e) => {
            let (status, refusal) = Refusal::of(e, &[]);
            let notice = Notice::Error(refusal);
            page(&state, &session, notice, status).await
        }
    }
}

/// `POST /ui/account/mfa/remove`.
pub(crate) async fn remove_mfa(
    State(state): State<AppState>,
    RecentSession(session): RecentSession,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    let me = &session.user().id;
    match state.auth().remove_totp(me, me, state.now()).await {
        Ok(()) => Redirect::to("/ui/account").into_response(),
        Err(e) => failure(e),
    }
}

/// `POST /ui/account/mfa/recovery-codes`: new codes, shown once; the old ones end.
pub(crate) async fn new_recovery_codes(
    State(state): State<AppState>,
    RecentSession(session): RecentSession,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    match state
        .auth()
        .replace_recovery_codes(&session.user().id)
        .await
    {
        Ok(codes) => {
            page(
                &state,
                &session,
                Notice::RecoveryCodes(codes),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// The token form: a checkbox per scope (a form repeating one name would not fit a struct).
#[derive(Deserialize)]
pub(crate) struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
    scope_read: Option<String>,
    scope_write: Option<String>,
    scope_admin: Option<String>,
}

/// `POST /ui/account/tokens`.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    session: Session,
    CsrfForm(form): CsrfForm<NewToken>,
) -> Response {
    let ticked = [&form.scope_read, &form.scope_write, &form.scope_admin];
    let scopes: Vec<String> = SCOPES
        .iter()
        .zip(ticked)
        .filter(|(_, on)| on.is_some())
        .map(|(s, _)| (*s).to_owned())
        .collect();
    let days = match form.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) => {
                let notice = Notice::Error(Refusal {
                    field: Some("expires_in_days".into()),
                    message: format!("{d:?} is not a whole number of days"),
                });
                return page(&state, &session, notice, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
    };
    let user: &User = session.user();
    match state
        .auth()
        .create_personal_access_token(user, &form.name, &scopes, days, state.now())
        .await
    {
        Ok(created) => {
            let notice = Notice::Token {
                name: created.info.name,
                token: created.token,
            };
            page(&state, &session, notice, StatusCode::CREATED).await
        }
        Err(e) => {
            let (status, refusal) = Refusal::of(e, &["name", "scopes", "expires_in_days"]);
            let notice = Notice::Error(refusal);
            page(&state, &session, notice, status).await
        }
    }
}

/// `POST /ui/account/tokens/{id}/revoke`.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Nothing>,
) -> Response {
    match state
        .auth()
        .revoke_personal_access_token(session.user(), &id, state.now())
        .await
    {
        Ok(()) => Redirect::to("/ui/account").into_response(),
        Err(e) => failure(e),
    }
}
