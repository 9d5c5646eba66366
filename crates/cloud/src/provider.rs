//! The interface every cloud provider implements.

use crate::error::{ActionResult, CloudError};
use crate::model::{
    LaunchSpec, Login, MaintenanceWindow, Resource, ResourceRef, TagChange, TagFilter, Target,
};
use async_trait::async_trait;
use std::collections::BTreeMap;

#[async_trait]
pub trait Provider: Send + Sync {
    /// `sandbox` or `aws`.
    fn name(&self) -> &'static str;

    /// The list price per hour of an instance type, when the provider knows one (the
    /// sandbox has a table; AWS prices come from the templates).
    fn hourly_price(&self, _instance_type: &str) -> Option<f64> {
        None
    }

    /// How many vCPUs an instance type has (for quotas), if the provider can tell.
    async fn instance_vcpus(
        &self,
        _target: &Target,
        _instance_type: &str,
    ) -> Result<Option<u32>, CloudError> {
        Ok(None)
    }

    /// The account/region pairs this provider manages.
    async fn targets(&self) -> Result<Vec<Target>, CloudError>;

    /// The SSM maintenance windows defined in `target` (none where the cloud has none).
    async fn maintenance_windows(
        &self,
        _target: &Target,
    ) -> Result<Vec<MaintenanceWindow>, CloudError> {
        Ok(Vec::new())
    }

    /// Every resource of `target` that `filter` selects, with tags and state.
    async fn discover(
        &self,
        target: &Target,
        filter: &TagFilter,
    ) -> Result<Vec<Resource>, CloudError>;

    /// Starts resources; one result per resource, in order. A failure of one does not stop
    /// the others.
    async fn start(&self, target: &Target, resources: &[ResourceRef]) -> Vec<ActionResult>;

    /// Stops resources, hibernating EC2 instances when asked (and enabled on them).
    async fn stop(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        hibernate: bool,
    ) -> Vec<ActionResult>;

    /// Changes the instance type of a stopped instance.
    async fn modify_instance_type(
        &self,
        target: &Target,
        resource: &ResourceRef,
        instance_type: &str,
    ) -> Result<(), CloudError>;

    /// Creates an instance; the same client token twice returns the first instance.
    async fn create(&self, target: &Target, spec: &LaunchSpec) -> Result<Resource, CloudError>;

    async fn terminate(&self, target: &Target, resource: &ResourceRef) -> Result<(), CloudError>;

    /// Makes the login of a new instance, named `name` where the cloud keeps it (an EC2
    /// key pair); making it again under the same name replaces it.
    async fn create_login(&self, target: &Target, name: &str) -> Result<Login, CloudError>;

    /// Removes what `create_login` made (nothing there is not an error).
    async fn delete_login(&self, target: &Target, name: &str) -> Result<(), CloudError>;

    /// Adds or overwrites tags of one resource.
    async fn set_tags(
        &self,
        target: &Target,
        resource: &ResourceRef,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CloudError> {
        let change = TagChange {
            set: tags.clone(),
            ..TagChange::default()
        };
        self.retag(target, std::slice::from_ref(resource), &change)
            .await
    }

    /// Makes `change` on each of `resources`: in one request for many resources where the
    /// cloud allows it (EC2), one per resource where it does not (RDS).
    async fn retag(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        change: &TagChange,
    ) -> Result<(), CloudError>;
}
