use isched_auth::clock::Clock;
use isched_auth::service::AuthService;
use isched_cloud::MonitoredProvider;
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
    store: Store,
    provider: Arc<MonitoredProvider>,
    auth: Arc<AuthService>,
    clock: Clock,
    metrics: PrometheusHandle,
    schedule_tag: String,
    scheduler: SchedulerHandle,
}

impl AppState {
    pub fn new(
        store: Store,
        provider: Arc<MonitoredProvider>,
        auth: Arc<AuthService>,
        clock: Clock,
        metrics: PrometheusHandle,
        schedule_tag: String,
        scheduler: SchedulerHandle,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                store,
                provider,
                auth,
                clock,
                metrics,
                schedule_tag,
                scheduler,
            }),
        }
    }

    pub fn scheduler(&self) -> &SchedulerHandle {
        &self.inner.scheduler
    }

    /// The tag that names a resource's schedule.
    pub fn schedule_tag(&self) -> &str {
        &self.inner.schedule_tag
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

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn metrics(&self) -> &PrometheusHandle {
        &self.inner.metrics
    }
}
