//! Sign-in: login (tokens, or a challenge to answer), challenge responses, refresh, logout.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use isched_auth::service::LoginOutcome;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(crate) struct Login {
    email: String,
    password: SecretString,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    Json(body): Json<Login>,
) -> Result<Json<Value>, ApiError> {
    match state
        .auth()
        .login(&body.email, &body.password, state.now())
        .await?
    {
        LoginOutcome::Tokens(tokens) => Ok(Json(json!(tokens))),
        LoginOutcome::Challenge { challenge, session } => {
            Ok(Json(json!({ "challenge": challenge, "session": session })))
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct Challenge {
    challenge: String,
    session: String,
    new_password: Option<SecretString>,
}

pub(crate) async fn challenge(
    State(state): State<AppState>,
    Json(body): Json<Challenge>,
) -> Result<Json<Value>, ApiError> {
    if body.challenge != isched_auth::service::NEW_PASSWORD_REQUIRED {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_challenge",
            format!("challenge {:?} is not one isched asks", body.challenge),
        ));
    }
    let Some(new_password) = body.new_password else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "new_password is required for NEW_PASSWORD_REQUIRED",
        ));
    };
    let tokens = state
        .auth()
        .respond_new_password(&body.session, &new_password, state.now())
        .await?;
    Ok(Json(json!(tokens)))
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
