//! Error responses made by layers and extractors (timeouts, body limits, bad JSON) come as
//! bare status codes or plain text; this rewrites them into the JSON error envelope so that
//! clients see one shape for every failure.

use crate::error::ApiError;
use axum::body::to_bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

/// Plain-text bodies longer than this are not echoed into the message.
const MAX_ECHO: usize = 512;

pub(crate) async fn ensure_envelope(res: Response) -> Response {
    let status = res.status();
    // JSON is already the envelope; HTML is a page made for a browser (e.g. /snooze).
    let deliberate = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || deliberate {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = to_bytes(body, MAX_ECHO)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok());
    let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
    let code: &'static str = match status.as_u16() {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_request",
        429 => "too_many_requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad_request",
    };
    let message = match text.filter(|t| !t.trim().is_empty()) {
        // Extractor rejections explain what was wrong with the request; keep that.
        Some(t) if status.is_client_error() => t,
        _ => reason,
    };
    let mut out = ApiError::new(status, code, message).into_response();
    // Keep headers such as Retry-After and Allow, but not the old body's type and length.
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}
