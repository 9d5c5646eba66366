//! `/api/v1/users`: administrators manage users; everyone reads themselves.

use crate::error::ApiError;
use crate::extract::{AdminUser, CurrentUser};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use isched_auth::admin::IssuedPassword;
use isched_store::users::User;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "email": user.email.as_str(),
        "status": user.status.as_str(),
        "groups": user.roles,
        "mfa_enabled": user.mfa_enabled,
        "email_verified": user.email_verified_at.is_some(),
        "password_expires_at": user.password_expires_at.map(|t| t.to_string()),
        "created_at": user.created_at.to_string(),
    })
}

/// Adds the temporary password when it was not emailed (shown to the admin once).
fn with_password(mut body: Value, issued: &IssuedPassword) -> Value {
    body["temporary_password_emailed"] = json!(issued.emailed);
    if let Some(p) = &issued.temporary_password {
        body["temporary_password"] = json!(p.expose_secret());
    }
    body
}

pub(crate) async fn me(CurrentUser(p): CurrentUser) -> Json<Value> {
    Json(user_json(&p.user))
}

pub(crate) async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<Value>, ApiError> {
    let users = state.store().list_users().await?;
    Ok(Json(
        json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    email: String,
    groups: Option<Vec<String>>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    admin: AdminUser,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (user, issued) = state
        .auth()
        .create_user(
            admin.user(),
            &body.email,
            body.groups.as_deref(),
            state.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(with_password(user_json(&user), &issued)),
    ))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let _ = admin;
    let user = state
        .store()
        .user_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user with id {id:?}")))?;
    Ok(Json(user_json(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChange {
    status: Option<String>,
    groups: Option<Vec<String>>,
}

pub(crate) async fn update(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    Json(body): Json<UserChange>,
) -> Result<Json<Value>, ApiError> {
    let now = state.now();
    let auth = state.auth();
    let mut user = None;
    if let Some(status) = body.status.as_deref() {
        let disabled = match status {
            "disabled" => true,
            "active" => false,
            other => {
                return Err(ApiError::bad_request(format!(
                    "status: {other:?} is not \"active\" or \"disabled\""
                )));
            }
        };
        user = Some(auth.set_disabled(admin.user(), &id, disabled, now).await?);
    }
    if let Some(groups) = &body.groups {
        user = Some(auth.set_groups(admin.user(), &id, groups, now).await?);
    }
    let user = match user {
        Some(u) => u,
        None => return Err(ApiError::bad_request("give status and/or groups")),
    };
    Ok(Json(user_json(&user)))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .delete_user(admin.user(), &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn reset_password(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let issued = state
        .auth()
        .reset_password(admin.user(), &id, state.now())
        .await?;
    Ok(Json(with_password(json!({ "id": id }), &issued)))
}

pub(crate) async fn reset_mfa(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .auth()
        .remove_totp(&admin.user().id, &id, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
