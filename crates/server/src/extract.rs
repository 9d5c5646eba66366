//! Authorization as extractors: a handler that takes `CurrentUser` cannot run without a
//! valid token of an active user, one that takes `AdminUser` without an admin who signed
//! in recently (step-up), and `RecentlyAuthenticated` guards a user's own sensitive
//! changes (MFA, tokens). A route cannot forget the check.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use isched_auth::principal::{Credential, Principal};
use isched_store::users::User;

/// Any signed-in, active user.
pub struct CurrentUser(pub Principal);

impl CurrentUser {
    pub fn user(&self) -> &User {
        &self.0.user
    }
}

/// An admin who authenticated within the step-up window (or an admin-scoped personal
/// access token), with MFA when the settings require it.
pub struct AdminUser(pub Principal);

impl AdminUser {
    pub fn user(&self) -> &User {
        &self.0.user
    }
}

/// A user who authenticated within the step-up window.
pub struct RecentlyAuthenticated(pub Principal);

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let Some(token) = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(unauthorized(
                "sign in: send Authorization: Bearer <access token>",
            ));
        };
        let principal = state
            .auth()
            .authenticate_bearer(token, state.now())
            .await
            .map_err(|e| match e {
                isched_auth::service::AuthError::Internal(m) => ApiError::internal(m),
                _ => unauthorized(
                    "the access token is invalid or expired, or the account is not active",
                ),
            })?;
        let read_only = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !read_only && !principal.may_write() {
            return Err(ApiError::forbidden(
                "insufficient_scope",
                "this token has the read scope only",
            ));
        }
        Ok(CurrentUser(principal))
    }
}

/// Why `principal` may not do what needs a recent sign-in (enrolling MFA, admin work), if
/// it may not: a personal access token, or a sign-in older than the step-up window
/// (`reauthentication_required`). The API's `RecentlyAuthenticated` and the web's account
/// page apply this one rule.
pub fn step_up_refusal(principal: &Principal, state: &AppState) -> Option<ApiError> {
    if matches!(principal.credential, Credential::PersonalAccessToken { .. }) {
        return Some(ApiError::forbidden(
            "forbidden",
            "sign in with a password for this; personal access tokens cannot do it",
        ));
    }
    recent(principal, state).err()
}

fn recent(principal: &Principal, state: &AppState) -> Result<(), ApiError> {
    let window = state.auth().settings().step_up_window;
    match principal.auth_time {
        Some(t) if t + window >= state.now() => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "reauthentication_required",
            format!(
                "sign in again (password, and MFA code when enrolled): this needs a sign-in within the last {} minutes",
                window.as_mins()
            ),
        )),
    }
}

/// Why `principal` may not act as an admin now, if it may not: not an admin, a personal
/// access token without the admin scope, a sign-in older than the step-up window
/// (`reauthentication_required`), or MFA required and not enrolled. The API's `AdminUser`
/// and the web's admin pages apply this one rule.
pub fn admin_refusal(principal: &Principal, state: &AppState) -> Option<ApiError> {
    if !principal.user.is_admin() {
        return Some(ApiError::forbidden(
            "forbidden",
            "this needs the admin group",
        ));
    }
    match &principal.credential {
        Credential::PersonalAccessToken { scopes, .. } => {
            if !scopes.iter().any(|s| s == "admin") {
                return Some(ApiError::forbidden(
                    "insufficient_scope",
                    "this token lacks the admin scope",
                ));
            }
        }
        _ => {
            if let Err(e) = recent(principal, state) {
                return Some(e);
            }
        }
    }
    if state.auth().settings().require_admin_mfa
        && !principal.user.mfa_enabled
        && !matches!(principal.credential, Credential::External { .. })
    {
        return Some(ApiError::forbidden(
            "mfa_required",
            "admins must enrol MFA first (POST /api/v1/users/me/mfa/totp)",
        ));
    }
    None
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentUser(principal) = CurrentUser::from_request_parts(parts, state).await?;
        match admin_refusal(&principal, state) {
            Some(e) => Err(e),
            None => Ok(AdminUser(principal)),
        }
    }
}

impl FromRequestParts<AppState> for RecentlyAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentUser(principal) = CurrentUser::from_request_parts(parts, state).await?;
        match step_up_refusal(&principal, state) {
            Some(e) => Err(e),
            None => Ok(RecentlyAuthenticated(principal)),
        }
    }
}
