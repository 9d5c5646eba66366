//! `GET /metrics` in the Prometheus text format.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Latency buckets in seconds, from a fast health check to a slow cloud call.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process-wide recorder once and returns its handle (the `metrics` macros
/// write to a global recorder, so several apps in one test process share it).
pub fn install_metrics_recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .expect("buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.store().pool_stats();
    let backend = state.store().backend().as_str();
    metrics::gauge!("isched_db_pool_connections", "backend" => backend, "state" => "idle")
        .set(pool.idle as f64);
    metrics::gauge!("isched_db_pool_connections", "backend" => backend, "state" => "in_use")
        .set(pool.size.saturating_sub(pool.idle) as f64);
    state.metrics().run_upkeep();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics().render(),
    )
}
