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

/// One dependency of isched and how it is doing.
#[derive(Serialize)]
pub struct Component {
    pub name: &'static str,
    /// `ok`, `down`, `degraded`, `standby`, `off` or `not_configured`.
    pub status: &'static str,
    /// A required component that is down makes the whole answer 503.
    pub required: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
}

pub(crate) async fn components(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let parts = check_components(&state).await;
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

/// Each dependency's state now: the database (pinged), the cloud provider, the scheduler
/// and email. `GET /health/components` and the admin health page show this.
pub async fn check_components(state: &AppState) -> Vec<Component> {
    let store = state.store();
    // A database that answers may still refuse writes (a full disk, a read-only file).
    let answered = match store.ping().await {
        Ok(rtt) => store
            .probe_write(state.now())
            .await
            .map(|()| rtt)
            .map_err(|e| (e, "cannot be written")),
        Err(e) => Err((e, "does not answer")),
    };
    let database = match answered {
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
        Err((e, what)) => {
            tracing::warn!(error = %e, "database health check failed");
            let why = e
                .unavailable()
                .map_or(String::new(), |why| format!(": {why}"));
            Component {
                name: "database",
                status: "down",
                required: true,
                detail: format!("{} {what}{why}", store.backend().as_str()),
                latency_ms: None,
            }
        }
    };
    vec![
        database,
        cloud_component(state),
        scheduler_component(state),
        email_component(state),
    ]
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

/// Email: configured or not, and how the last send went.
fn email_component(state: &AppState) -> Component {
    let mailer = state.auth().mailer();
    if !mailer.is_configured() {
        return Component {
            name: "email",
            status: "not_configured",
            required: false,
            detail: "no SMTP server configured (ISCHED_SMTP_URL): temporary passwords are shown to the admin, codes cannot be sent".into(),
            latency_ms: None,
        };
    }
    let (status, detail) = match mailer.last_outcome() {
        None => ("ok", "SMTP configured; nothing sent yet".to_owned()),
        Some((at, Ok(()))) => ("ok", format!("last message sent at {at}")),
        Some((at, Err(e))) => ("degraded", format!("last message failed at {at}: {e}")),
    };
    Component {
        name: "email",
        status,
        required: false,
        detail,
        latency_ms: None,
    }
}

/// The scheduler: last pass, its error if any, and the next wake-up.
fn scheduler_component(state: &AppState) -> Component {
    let s = state.scheduler().status();
    let (status, detail) = if !s.running {
        (
            "off",
            "the scheduler is not running in this process (scheduler_enabled = false)".to_owned(),
        )
    } else if s.standby {
        (
            "standby",
            format!(
                "other replicas hold the leases on all {} targets; this one takes over those that lapse",
                s.targets_total
            ),
        )
    } else if let Some(e) = &s.last_error {
        ("degraded", format!("last pass failed: {e}"))
    } else {
        let last = s.last_pass.map_or("none yet".to_owned(), |t| t.to_string());
        let next = s.next_wakeup.map_or("-".to_owned(), |t| t.to_string());
        (
            "ok",
            format!(
                "holds {} of {} targets; last pass {last} over {} resources; next wake-up {next}",
                s.targets_held, s.targets_total, s.resources
            ),
        )
    };
    Component {
        name: "scheduler",
        status,
        required: false,
        detail,
        latency_ms: None,
    }
}
