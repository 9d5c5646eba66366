//! Self-service instances: what a create request says, and the names and tags isched gives
//! what it creates.

use crate::definitions::{DefinitionError, invalid};
use isched_cloud::{ResourceKind, ResourceRef, Target};
use isched_store::instances::Instance;
use isched_store::templates::StoredTemplate;
use serde::Deserialize;

/// The steps of a create job, in order.
pub const CREATE_STEPS: [&str; 5] = ["login", "launch", "wait_running", "tag", "notify"];
/// Tags isched puts on every instance it creates.
pub const TAG_OWNER: &str = "isched:owner";
pub const TAG_INSTANCE: &str = "isched:instance";
pub const TAG_TEMPLATE: &str = "isched:template";

/// `POST /api/v1/instances`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInstance {
    /// The template to create it from.
    pub template: String,
    /// Yours to choose: letters, digits, `-` and `_`, unique among your instances.
    pub name: String,
    /// One the template allows; its default when left out.
    pub instance_type: Option<String>,
}

impl CreateInstance {
    /// The instance type to launch, after checking the request against the template.
    pub fn check(&self, template: &StoredTemplate) -> Result<String, DefinitionError> {
        let name_ok = (1..=63).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(invalid(
                "name",
                "must be 1 to 63 letters, digits, '-' or '_'",
            ));
        }
        if template.retired_at.is_some() {
            return Err(invalid(
                "template",
                format!("{:?} is retired: no new instances from it", template.name),
            ));
        }
        let spec = &template.spec;
        let instance_type = self
            .instance_type
            .clone()
            .unwrap_or_else(|| spec.default_instance_type.clone());
        if !spec.instance_types.contains(&instance_type) {
            return Err(invalid(
                "instance_type",
                format!(
                    "{instance_type:?} is not one the template allows ({})",
                    spec.instance_types.join(", ")
                ),
            ));
        }
        Ok(instance_type)
    }
}

/// The kind of instance a provider creates.
pub fn instance_kind(provider: &str) -> ResourceKind {
    if provider == "sandbox" {
        ResourceKind::SandboxInstance
    } else {
        ResourceKind::Ec2Instance
    }
}

/// The account and region an instance lives in.
pub fn target_of(instance: &Instance) -> Target {
    Target {
        account: instance.account.clone(),
        region: instance.region.clone(),
    }
}

/// The cloud resource an instance is, by its cloud id.
pub fn reference_of(instance: &Instance, cloud_id: &str) -> ResourceRef {
    ResourceRef {
        kind: instance_kind(&instance.provider),
        id: cloud_id.to_owned(),
    }
}

/// The name of the key pair a create job makes (one per job, so a retry replaces it).
pub fn login_name(job: &str) -> String {
    format!("isched-{job}")
}

pub fn new_instance_id() -> String {
    format!("in-{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

pub fn new_job_id() -> String {
    format!("job-{}", uuid::Uuid::new_v4().simple())
}
