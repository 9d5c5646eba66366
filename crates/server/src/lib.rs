//! The HTTP face of isched: health, metrics, and (as they arrive) `/api/v1` and the web UI.
//!
//! [`router`] builds the whole application from an [`AppState`]; [`serve`] runs it on a
//! listener until a shutdown signal, finishing requests in flight.

mod api;
mod body;
mod docs;
mod error;
mod extract;
mod health;
mod metrics_endpoint;
mod middleware;
mod openapi;
mod settings;
mod snooze;
mod state;
mod tls;
mod views;
mod well_known;

pub use api::audit::AuditQuery;
pub use api::usage::UsageQuery;
pub use error::ApiError;
pub use extract::{AdminUser, CurrentUser, RecentlyAuthenticated, admin_refusal, step_up_refusal};
pub use health::{Component, check_components};
pub use metrics_endpoint::install_metrics_recorder;
pub use middleware::rate_limit::RateLimitedAnswer;
pub use settings::ServerSettings;
pub use state::AppState;
pub use tls::{TlsError, serve_tls, server_config as tls_server_config};
pub use views::usage::{UsageFigures, UsageRowView, UsageView};

use axum::Router;
use axum::http::header;
use axum::response::Redirect;
use axum::routing::get;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use utoipa_axum::router::OpenApiRouter;

/// Routes served besides the API, built by another crate (the web interface): `sign_in`
/// shares the API's per-client rate limit on signing in; `pages` holds the rest, `/`
/// included.
pub struct ExtraRoutes {
    pub sign_in: Router<AppState>,
    pub pages: Router<AppState>,
    /// How `sign_in` answers a client over the rate limit (the API answers JSON).
    pub rate_limited: Option<RateLimitedAnswer>,
}

impl Default for ExtraRoutes {
    /// Without a web interface, a browser at the root finds the API reference.
    fn default() -> Self {
        ExtraRoutes {
            sign_in: Router::new(),
            pages: Router::new().route("/", get(|| async { Redirect::to("/docs") })),
            rate_limited: None,
        }
    }
}

/// The `/api/v1` routes with their OpenAPI document, and the extra sign-in routes under
/// the same rate limit.
fn api(
    state: &AppState,
    settings: &ServerSettings,
    sign_in: Router<AppState>,
    rate_limited: Option<RateLimitedAnswer>,
) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let per_minute = std::num::NonZeroU32::new(settings.auth_rate_limit_per_minute)
        .unwrap_or(std::num::NonZeroU32::MIN);
    let limit = middleware::rate_limit::AuthRateLimit::new(
        per_minute,
        state.clock().clone(),
        &settings.trusted_proxies,
    );
    let auth_routes = api::auth_routes().layer(axum::middleware::from_fn_with_state(
        limit.clone(),
        middleware::rate_limit::limit,
    ));
    let sign_in_limit = match rate_limited {
        Some(answer) => limit.answering(answer),
        None => limit,
    };
    let sign_in = sign_in.layer(axum::middleware::from_fn_with_state(
        sign_in_limit,
        middleware::rate_limit::limit,
    ));
    let (router, doc) = OpenApiRouter::with_openapi(openapi::base())
        .merge(api::routes())
        .merge(auth_routes)
        .split_for_parts();
    (router.merge(sign_in), openapi::finish(doc))
}

/// The OpenAPI document of `/api/v1`, as `GET /api/v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = OpenApiRouter::<AppState>::with_openapi(openapi::base())
        .merge(api::routes())
        .merge(api::auth_routes())
        .split_for_parts();
    openapi::finish(doc)
}

/// Every route, wrapped in the middleware stack (request id, tracing, metrics, timeout, body
/// limit, CORS, security headers).
pub fn router(state: AppState, settings: &ServerSettings) -> Router {
    router_with(state, settings, ExtraRoutes::default())
}

/// [`router`] with `extra` routes (the web interface).
pub fn router_with(state: AppState, settings: &ServerSettings, extra: ExtraRoutes) -> Router {
    let (api, doc) = api(&state, settings, extra.sign_in, extra.rate_limited);
    let doc: Arc<str> = doc
        .to_json()
        .expect("the OpenAPI document serialises")
        .into();
    let routes = Router::new()
        .route("/health", get(health::health))
        .route("/health/components", get(health::components))
        .route("/metrics", get(metrics_endpoint::metrics))
        .route("/snooze", get(snooze::confirm).post(snooze::apply))
        .route("/.well-known/jwks.json", get(well_known::jwks))
        .route(
            "/.well-known/openid-configuration",
            get(well_known::openid_configuration),
        )
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        doc.to_string(),
                    )
                }
            }),
        )
        .merge(docs::routes())
        .merge(extra.pages)
        .merge(api)
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state);
    middleware::wrap(routes, settings)
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Responses go out as soon as they are written: with Nagle's algorithm on, the tail
    // of a response can wait for the client's delayed ACK (40 ms on Linux).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY could not be set");
        }
    });
    // Client addresses feed the sign-in rate limit.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
pub use axum::http::HeaderValue;
