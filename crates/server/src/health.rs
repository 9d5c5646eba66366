//! `GET /health` (the process answers) and `GET /health/components` (each dependency).

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

pub(crate) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[derive(Serialize)]
struct Component {
    name: &'static str,
    /// `ok`, `down`, `not_configured` or `not_implemented`.
    status: &'static str,
    /// A required component that is down makes the whole answer 503.
    required: bool,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
}

pub(crate) async fn components(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = state.store();
    let database = match store.ping().await {
        Ok(rtt) => {
            let ms = rtt.as_secs_f64() * 1000.0;
            Component {
                name: "database",
                status: "ok",
                required: true,
                detail: format!("{}, round trip {ms:.2} ms", store.backend().as_str()),
                latency_ms: Some(ms),
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "database health check failed");
            Component {
                name: "database",
                status: "down",
                required: true,
                detail: format!("{} does not answer", store.backend().as_str()),
                latency_ms: None,
            }
        }
    };
    let c = state.components();
    let parts = vec![
        database,
        cloud_component(&state),
        Component {
            name: "scheduler",
            status: "not_implemented",
            required: false,
            detail: "the scheduler engine is not built yet".into(),
            latency_ms: None,
        },
        Component {
            name: "email",
            status: if c.email_configured {
                "not_implemented"
            } else {
                "not_configured"
            },
            required: false,
            detail: if c.email_configured {
                "SMTP is configured; sending email is not built yet".into()
            } else {
                "no SMTP server configured (ISCHED_SMTP_URL)".into()
            },
            latency_ms: None,
        },
    ];
    let down = parts.iter().any(|p| p.required && p.status == "down");
    let status = if down {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(json!({ "status": if down { "down" } else { "ok" }, "components": parts })),
    )
}

/// The provider's targets as last seen: each target's last successful call or last error.
/// Not required: a cloud outage must not take the UI and API down with it.
fn cloud_component(state: &AppState) -> Component {
    use isched_cloud::Provider;
    let provider = state.provider();
    let health = provider.health();
    let label = if provider.name() == "sandbox" {
        "sandbox (simulated cloud)"
    } else {
        provider.name()
    };
    let failing: Vec<String> = health
        .iter()
        .filter(|(_, h)| h.failing())
        .map(|(t, h)| {
            format!(
                "{t}: {}",
                h.last_error_message.as_deref().unwrap_or("error")
            )
        })
        .collect();
    let (status, detail) = if health.is_empty() {
        ("ok", format!("{label}: no calls yet"))
    } else if failing.is_empty() {
        let targets: Vec<String> = health
            .iter()
            .map(|(t, h)| {
                format!(
                    "{t} ok at {}",
                    h.last_success
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "-".into())
                )
            })
            .collect();
        ("ok", format!("{label}: {}", targets.join("; ")))
    } else {
        ("down", format!("{label}: {}", failing.join("; ")))
    };
    Component {
        name: "cloud_provider",
        status,
        required: false,
        detail,
        latency_ms: None,
    }
}
