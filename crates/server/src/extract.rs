//! Authentication as extractors: a handler that takes `CurrentUser` cannot run without a
//! valid access token of an active user.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use isched_store::users::{User, UserStatus};

pub struct CurrentUser(pub User);

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
        let claims = state
            .auth()
            .authenticate(token, state.now())
            .map_err(|_| unauthorized("the access token is invalid or expired"))?;
        match state.store().user_by_id(&claims.sub).await? {
            Some(user) if user.status == UserStatus::Active => Ok(CurrentUser(user)),
            _ => Err(unauthorized("the account is not active")),
        }
    }
}
