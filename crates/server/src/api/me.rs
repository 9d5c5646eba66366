//! `/api/v1/users/me/...`: a user's own password, MFA and personal access tokens.

use crate::error::ApiError;
use crate::extract::{CurrentUser, RecentlyAuthenticated};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use isched_store::identity::PersonalAccessToken;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(crate) struct PasswordChange {
    current_password: SecretString,
    new_password: SecretString,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .change_password(
            me.user(),
            &body.current_password,
            &body.new_password,
            state.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn begin_totp(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
) -> Result<Json<Value>, ApiError> {
    let enrolment = state.auth().begin_totp(&me.user, state.now()).await?;
    Ok(Json(json!(enrolment)))
}

#[derive(Deserialize)]
pub(crate) struct Code {
    code: String,
}

pub(crate) async fn confirm_totp(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
    Json(body): Json<Code>,
) -> Result<Json<Value>, ApiError> {
    let codes = state
        .auth()
        .confirm_totp(&me.user, &body.code, state.now())
        .await?;
    Ok(Json(json!({ "recovery_codes": codes })))
}

pub(crate) async fn remove_mfa(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .remove_totp(&me.user.id, &me.user.id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn new_recovery_codes(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
) -> Result<Json<Value>, ApiError> {
    if !me.user.mfa_enabled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "enrol MFA first",
        ));
    }
    let codes = state.auth().replace_recovery_codes(&me.user.id).await?;
    Ok(Json(json!({ "recovery_codes": codes })))
}

fn token_json(t: &PersonalAccessToken) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "scopes": t.scopes,
        "created_at": t.created_at.to_string(),
        "expires_at": t.expires_at.to_string(),
        "last_used_at": t.last_used_at.map(|x| x.to_string()),
        "revoked": t.revoked_at.is_some(),
    })
}

pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let tokens = state
        .store()
        .list_personal_access_tokens(&me.user().id)
        .await?;
    Ok(Json(
        json!({ "tokens": tokens.iter().map(token_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    name: String,
    scopes: Vec<String>,
    expires_in_days: Option<i64>,
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    RecentlyAuthenticated(me): RecentlyAuthenticated,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let created = state
        .auth()
        .create_personal_access_token(
            &me.user,
            &body.name,
            &body.scopes,
            body.expires_in_days,
            state.now(),
        )
        .await?;
    let mut out = token_json(&created.info);
    out["token"] = json!(created.token.expose_secret());
    Ok((StatusCode::CREATED, Json(out)))
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .revoke_personal_access_token(me.user(), &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
