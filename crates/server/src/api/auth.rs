//! Sign-in: login (tokens, or a challenge to answer), challenge responses, refresh, logout,
//! forgot password, self sign-up and email verification.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use isched_auth::service::{LoginOutcome, NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

fn outcome(o: LoginOutcome) -> Json<Value> {
    match o {
        LoginOutcome::Tokens(tokens) => Json(json!(tokens)),
        LoginOutcome::Challenge { challenge, session } => {
            Json(json!({ "challenge": challenge, "session": session }))
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct Login {
    email: String,
    password: SecretString,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    Json(body): Json<Login>,
) -> Result<Json<Value>, ApiError> {
    Ok(outcome(
        state
            .auth()
            .login(&body.email, &body.password, state.now())
            .await?,
    ))
}

#[derive(Deserialize)]
pub(crate) struct Challenge {
    challenge: String,
    session: String,
    new_password: Option<SecretString>,
    code: Option<String>,
    recovery_code: Option<String>,
}

pub(crate) async fn challenge(
    State(state): State<AppState>,
    Json(body): Json<Challenge>,
) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    match body.challenge.as_str() {
        NEW_PASSWORD_REQUIRED => {
            let Some(new_password) = body.new_password else {
                return Err(ApiError::bad_request(
                    "new_password is required for NEW_PASSWORD_REQUIRED",
                ));
            };
            Ok(outcome(
                state
                    .auth()
                    .respond_new_password(&body.session, &new_password, now)
                    .await?,
            ))
        }
        SOFTWARE_TOKEN_MFA => {
            let tokens = state
                .auth()
                .respond_mfa(
                    &body.session,
                    body.code.as_deref(),
                    body.recovery_code.as_deref(),
                    now,
                )
                .await?;
            Ok(Json(json!(tokens)))
        }
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_challenge",
            format!("challenge {other:?} is not one isched asks"),
        )),
    }
}

#[derive(Deserialize)]
pub(crate) struct RefreshBody {
    refresh_token: String,
}

pub(crate) async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<Json<Value>, ApiError> {
    let tokens = state
        .auth()
        .refresh(&body.refresh_token, state.now())
        .await?;
    Ok(Json(json!(tokens)))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .logout(&body.refresh_token, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(crate) struct EmailOnly {
    email: String,
}

/// Always 202 (when email works): the answer does not say whether the email has an account.
pub(crate) async fn forgot_password(
    State(state): State<AppState>,
    Json(body): Json<EmailOnly>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .forgot_password(&body.email, state.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForgot {
    email: String,
    code: String,
    new_password: SecretString,
}

pub(crate) async fn confirm_forgot_password(
    State(state): State<AppState>,
    Json(body): Json<ConfirmForgot>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .confirm_forgot_password(&body.email, &body.code, &body.new_password, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn sign_up(
    State(state): State<AppState>,
    Json(body): Json<Login>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .sign_up(&body.email, &body.password, state.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
pub(crate) struct VerifyEmail {
    email: String,
    code: String,
}

pub(crate) async fn verify_email(
    State(state): State<AppState>,
    Json(body): Json<VerifyEmail>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .verify_email(&body.email, &body.code, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn resend_verification(
    State(state): State<AppState>,
    Json(body): Json<EmailOnly>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .resend_verification(&body.email, state.now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}
