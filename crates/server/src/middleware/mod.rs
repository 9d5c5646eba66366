//! The middleware stack every request goes through.

mod client_ip;
mod http_metrics;
pub(crate) mod rate_limit;
mod request_span;
mod timeout;

use crate::settings::ServerSettings;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::http::header::{self, HeaderName, HeaderValue};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
];

pub(crate) fn wrap(routes: Router, settings: &ServerSettings) -> Router {
    // Router::layer wraps what came before, so this reads from the inside out.
    // The body limit is enforced by the extractors (ApiJson answers 413 in the envelope).
    let mut router = routes
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout,
            timeout::limit,
        ))
        .layer(axum::middleware::from_fn(http_metrics::record));
    if !settings.cors_allowed_origins.is_empty() {
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(settings.cors_allowed_origins.clone()))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    // Outermost: every request gets an id first, and its span carries it.
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(request_span::layer())
            .layer(PropagateRequestIdLayer::x_request_id()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, Bytes};
    use axum::http::Request;
    use axum::http::StatusCode;
    use axum::routing::{get, post};
    use http_body_util::BodyExt;
    use std::time::Duration;
    use tower::ServiceExt;

    fn app(settings: &ServerSettings) -> Router {
        let routes = Router::new()
            .route(
                "/slow",
                get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }),
            )
            .route("/echo", post(|body: Bytes| async move { body }))
            .route(
                "/json",
                post(
                    |crate::body::ApiJson(v): crate::body::ApiJson<serde_json::Value>| async move {
                        axum::Json(v)
                    },
                ),
            );
        wrap(routes, settings)
    }

    async fn envelope(res: axum::response::Response) -> (StatusCode, serde_json::Value) {
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).expect("a JSON envelope"),
        )
    }

    #[tokio::test]
    async fn timeout_becomes_408_in_the_envelope() {
        let settings = ServerSettings {
            request_timeout: Duration::from_millis(50),
            ..ServerSettings::default()
        };
        let res = app(&settings)
            .oneshot(Request::get("/slow").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let (status, body) = envelope(res).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(body["error"]["code"], "request_timeout");
    }

    #[tokio::test]
    async fn oversized_body_becomes_413_in_the_envelope() {
        let settings = ServerSettings {
            body_limit_bytes: 16,
            ..ServerSettings::default()
        };
        let req = Request::post("/json")
            .header("content-type", "application/json")
            .body(Body::from(vec![b'x'; 1024]))
            .expect("request");
        let (status, body) = envelope(app(&settings).oneshot(req).await.expect("response")).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], "payload_too_large");
    }

    #[tokio::test]
    async fn malformed_json_is_explained_in_the_envelope() {
        let req = Request::post("/json")
            .header("content-type", "application/json")
            .body(Body::from("{oops"))
            .expect("request");
        let (status, body) = envelope(
            app(&ServerSettings::default())
                .oneshot(req)
                .await
                .expect("response"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_request");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("JSON")),
            "{body}"
        );
    }

    #[tokio::test]
    async fn configured_origins_get_cors_and_others_do_not() {
        let settings = ServerSettings {
            cors_allowed_origins: vec![HeaderValue::from_static("https://portal.example.com")],
            ..ServerSettings::default()
        };
        let preflight = |origin: &'static str| {
            Request::options("/echo")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .body(Body::empty())
                .expect("request")
        };
        let res = app(&settings)
            .oneshot(preflight("https://portal.example.com"))
            .await
            .expect("response");
        assert_eq!(
            res.headers()
                .get("access-control-allow-origin")
                .map(|v| v.as_bytes()),
            Some(&b"https://portal.example.com"[..])
        );
        let res = app(&settings)
            .oneshot(preflight("https://evil.example"))
            .await
            .expect("response");
        assert!(res.headers().get("access-control-allow-origin").is_none());
    }
}
