//! One error type at the HTTP edge. Every failure becomes a status and
//! `{"error":{"code":"snake_case","message":"...","field":"..."}}`; internal detail goes to
//! the log only. One code per class of failure: malformed JSON and a failed validation are
//! both `invalid_request` (a validation error also names its `field`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use isched_engine::definitions::DefinitionError;
use isched_engine::plan::EngineError;
use isched_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The request field that is wrong, for validation errors.
    pub field: Option<String>,
    /// Seconds, for 429 responses.
    pub retry_after: Option<u64>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, snake_case: what class of failure (`invalid_request`, `not_found`, ...).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The request field that is wrong, when a validation failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A request that cannot be understood (malformed JSON, a wrong query string).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// A request whose `field` fails validation.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError {
            field: Some(field.to_owned()),
            ..ApiError::bad_request(format!("{field}: {message}"))
        }
    }

    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> ApiError {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// The database cannot be used now (full disk, read-only, unreachable): the request
    /// changed nothing and may be tried again.
    pub fn database_unavailable(
        why: isched_store::Unavailable,
        detail: impl std::fmt::Display,
    ) -> ApiError {
        tracing::warn!(error = %detail, "database unavailable: {why}");
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            format!("{why}; nothing was changed, try again later"),
        );
        e.retry_after = Some(30);
        e
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
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code,
                message: self.message,
                field: self.field,
            },
        };
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
            AuthError::Conflict(m) => ApiError::conflict(m),
            AuthError::Internal(m) => ApiError::internal(m),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict(what) => ApiError::conflict(format!("{what} already exists")),
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            other => match other.unavailable() {
                Some(why) => ApiError::database_unavailable(why, &other),
                None => ApiError::internal(other),
            },
        }
    }
}

impl From<DefinitionError> for ApiError {
    fn from(e: DefinitionError) -> ApiError {
        match e {
            DefinitionError::Invalid(ref problems) => ApiError {
                field: problems.first().map(|p| p.field.clone()),
                ..ApiError::bad_request(e.to_string())
            },
            DefinitionError::NotFound(..) => ApiError::not_found(e.to_string()),
            DefinitionError::Conflict(m) => ApiError::conflict(m),
            DefinitionError::Store(s) => s.into(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        match e {
            EngineError::Definitions(d) => d.into(),
            EngineError::Store(s) => s.into(),
            EngineError::QuotaExceeded { limit, .. } => ApiError {
                field: Some(limit.to_owned()),
                ..ApiError::forbidden("quota_exceeded", e.to_string())
            },
            EngineError::Cloud { .. } => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "cloud_unavailable",
                format!("the cloud provider did not answer: {e}"),
            ),
        }
    }
}

impl From<isched_engine::usage::UsageError> for ApiError {
    fn from(e: isched_engine::usage::UsageError) -> ApiError {
        use isched_engine::usage::UsageError;
        match e {
            UsageError::Store(s) => s.into(),
            UsageError::Definitions(d) => d.into(),
            UsageError::Invalid { field, message } => ApiError::invalid(field, message),
        }
    }
}

pub(crate) async fn no_route() -> ApiError {
    ApiError::not_found(
        "no such endpoint; the API lives under /api/v1 (see /docs, and /api/v1/openapi.json)",
    )
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not accept that method",
    )
}
