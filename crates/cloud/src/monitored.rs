//! A provider wrapper that remembers, per target, the last successful call and the last
//! error, for `/health/components`.

use crate::error::{ActionResult, CloudError, ErrorKind};
use crate::model::{
    LaunchSpec, Login, MaintenanceWindow, Resource, ResourceRef, TagChange, TagFilter, Target,
};
use crate::provider::Provider;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TargetHealth {
    pub last_success: Option<Timestamp>,
    pub last_error: Option<Timestamp>,
    /// The last error's text; provider messages carry no credentials.
    pub last_error_message: Option<String>,
}

impl TargetHealth {
    /// Whether the most recent call to this target failed.
    pub fn failing(&self) -> bool {
        match (self.last_success, self.last_error) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(ok), Some(err)) => err > ok,
        }
    }
}

pub struct MonitoredProvider {
    inner: Arc<dyn Provider>,
    health: Mutex<BTreeMap<Target, TargetHealth>>,
}

/// Errors that say something about the target (reachability, rights, limits), not about one
/// resource; only these count against a target's health.
fn about_target(e: &CloudError) -> bool {
    matches!(
        e.kind,
        ErrorKind::Throttled | ErrorKind::Unauthorized | ErrorKind::Unavailable
    )
}

impl MonitoredProvider {
    pub fn new(inner: Arc<dyn Provider>) -> MonitoredProvider {
        MonitoredProvider {
            inner,
            health: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn health(&self) -> BTreeMap<Target, TargetHealth> {
        self.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn record(&self, target: &Target, error: Option<&CloudError>) {
        let Ok(mut health) = self.health.lock() else {
            return;
        };
        let entry = health.entry(target.clone()).or_default();
        let now = Timestamp::now();
        match error {
            Some(e) if about_target(e) => {
                entry.last_error = Some(now);
                entry.last_error_message = Some(e.to_string());
            }
            _ => entry.last_success = Some(now),
        }
    }

    fn record_result<T>(&self, target: &Target, r: &Result<T, CloudError>) {
        self.record(target, r.as_ref().err());
    }

    fn record_actions(&self, target: &Target, results: &[ActionResult]) {
        let worst = results
            .iter()
            .filter_map(|r| r.outcome.as_ref().err())
            .find(|e| about_target(e));
        self.record(target, worst);
    }
}

#[async_trait]
impl Provider for MonitoredProvider {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn hourly_price(&self, instance_type: &str) -> Option<f64> {
        self.inner.hourly_price(instance_type)
    }

    async fn instance_vcpus(
        &self,
        target: &Target,
        instance_type: &str,
    ) -> Result<Option<u32>, CloudError> {
        let r = self.inner.instance_vcpus(target, instance_type).await;
        self.record_result(target, &r);
        r
    }

    async fn targets(&self) -> Result<Vec<Target>, CloudError> {
        self.inner.targets().await
    }

    async fn discover(
        &self,
        target: &Target,
        filter: &TagFilter,
    ) -> Result<Vec<Resource>, CloudError> {
        let r = self.inner.discover(target, filter).await;
        self.record_result(target, &r);
        r
    }

    async fn start(&self, target: &Target, resources: &[ResourceRef]) -> Vec<ActionResult> {
        let r = self.inner.start(target, resources).await;
        self.record_actions(target, &r);
        r
    }

    async fn stop(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        hibernate: bool,
    ) -> Vec<ActionResult> {
        let r = self.inner.stop(target, resources, hibernate).await;
        self.record_actions(target, &r);
        r
    }

    async fn modify_instance_type(
        &self,
        target: &Target,
        resource: &ResourceRef,
        instance_type: &str,
    ) -> Result<(), CloudError> {
        let r = self
            .inner
            .modify_instance_type(target, resource, instance_type)
            .await;
        self.record_result(target, &r);
        r
    }

    async fn create(&self, target: &Target, spec: &LaunchSpec) -> Result<Resource, CloudError> {
        let r = self.inner.create(target, spec).await;
        self.record_result(target, &r);
        r
    }

    async fn terminate(&self, target: &Target, resource: &ResourceRef) -> Result<(), CloudError> {
        let r = self.inner.terminate(target, resource).await;
        self.record_result(target, &r);
        r
    }

    async fn create_login(&self, target: &Target, name: &str) -> Result<Login, CloudError> {
        let r = self.inner.create_login(target, name).await;
        self.record_result(target, &r);
        r
    }

    async fn delete_login(&self, target: &Target, name: &str) -> Result<(), CloudError> {
        let r = self.inner.delete_login(target, name).await;
        self.record_result(target, &r);
        r
    }

    async fn retag(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        change: &TagChange,
    ) -> Result<(), CloudError> {
        let r = self.inner.retag(target, resources, change).await;
        self.record_result(target, &r);
        r
    }

    async fn maintenance_windows(
        &self,
        target: &Target,
    ) -> Result<Vec<MaintenanceWindow>, CloudError> {
        let r = self.inner.maintenance_windows(target).await;
        self.record_result(target, &r);
        r
    }
}
