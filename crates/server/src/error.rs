//! One error type at the HTTP edge. Every failure becomes a status and
//! `{"error":{"code":"snake_case","message":"..."}}`; internal detail goes to the log only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use isched_store::StoreError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for 429 responses.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> ApiError {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// An unexpected failure: logged in full, reported to the client without detail.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server; the request id in the x-request-id header finds it in the log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<isched_auth::service::AuthError> for ApiError {
    fn from(e: isched_auth::service::AuthError) -> ApiError {
        use isched_auth::service::AuthError;
        let message = e.to_string();
        match e {
            AuthError::InvalidCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message)
            }
            AuthError::LockedOut { retry_after } => {
                ApiError::too_many_requests(message, retry_after.as_secs().max(1) as u64)
            }
            AuthError::TemporaryPasswordExpired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "temporary_password_expired",
                message,
            ),
            AuthError::EmailNotVerified => ApiError::forbidden("email_not_verified", message),
            AuthError::InvalidToken(m) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", m)
            }
            AuthError::InvalidCode(m) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_code", m),
            AuthError::PasswordPolicy(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_password", m)
            }
            AuthError::InvalidRequest(m) => ApiError::bad_request(m),
            AuthError::Forbidden(m) => ApiError::forbidden("forbidden", m),
            AuthError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            AuthError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            AuthError::Internal(m) => ApiError::internal(m),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict(what) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            other => ApiError::internal(other),
        }
    }
}

pub(crate) async fn no_route() -> ApiError {
    ApiError::not_found("no such endpoint; the API lives under /api/v1 (see /docs)")
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method",
    )
}
