use isched_auth::clock::Clock;
use isched_auth::service::AuthService;
use isched_cloud::MonitoredProvider;
use isched_engine::Engine;
use isched_engine::scheduler::SchedulerHandle;
use isched_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    provider: Arc<MonitoredProvider>,
    auth: Arc<AuthService>,
    clock: Clock,
    metrics: PrometheusHandle,
    scheduler: SchedulerHandle,
}

impl AppState {
    /// `provider` is the engine's provider as health checks see it (its last error).
    pub fn new(
        engine: Engine,
        provider: Arc<MonitoredProvider>,
        auth: Arc<AuthService>,
        clock: Clock,
        metrics: PrometheusHandle,
        scheduler: SchedulerHandle,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                engine,
                provider,
                auth,
                clock,
                metrics,
                scheduler,
            }),
        }
    }

    /// Every change to definitions, overrides and assignments goes through this.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// This process's scheduler, for its status.
    pub fn scheduler(&self) -> &SchedulerHandle {
        &self.inner.scheduler
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The current time as requests see it (tests move it forward).
    pub fn now(&self) -> jiff::Timestamp {
        self.inner.clock.now()
    }

    pub fn auth(&self) -> &AuthService {
        &self.inner.auth
    }

    pub fn provider(&self) -> &Arc<MonitoredProvider> {
        &self.inner.provider
    }

    /// For reads; changes go through [`AppState::engine`].
    pub fn store(&self) -> &Store {
        self.inner.engine.store()
    }

    pub(crate) fn metrics(&self) -> &PrometheusHandle {
        &self.inner.metrics
    }
}
