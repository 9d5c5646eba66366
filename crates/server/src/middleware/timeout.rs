//! A request that takes longer than the configured limit is answered 408 in the error
//! envelope (its handler is dropped, so whatever it awaited is cancelled).

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

pub(crate) async fn limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request took longer than the {} s this server allows",
                limit.as_secs_f64()
            ),
        )
        .into_response(),
    }
}
