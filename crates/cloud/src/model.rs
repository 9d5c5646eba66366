//! What providers discover and act on.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Where resources live: an account in a region. Work is divided by target (one lease per
/// target in the engine), and per-target limits apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    pub account: String,
    pub region: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Ec2Instance,
    RdsInstance,
    RdsCluster,
    /// Running: its own sizes; stopped: min, desired and max of 0.
    AutoScalingGroup,
    SandboxInstance,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Ec2Instance => "ec2-instance",
            ResourceKind::RdsInstance => "rds-instance",
            ResourceKind::RdsCluster => "rds-cluster",
            ResourceKind::AutoScalingGroup => "autoscaling-group",
            ResourceKind::SandboxInstance => "sandbox-instance",
        }
    }
}

impl std::str::FromStr for ResourceKind {
    type Err = String;

    /// The names `as_str` gives (as the inventory stores them).
    fn from_str(s: &str) -> Result<ResourceKind, String> {
        [
            ResourceKind::Ec2Instance,
            ResourceKind::RdsInstance,
            ResourceKind::RdsCluster,
            ResourceKind::AutoScalingGroup,
            ResourceKind::SandboxInstance,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("{s:?} is not a resource kind"))
    }
}

/// States normalised across kinds; the provider's own word is kept in `raw_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceState {
    Pending,
    Running,
    Stopping,
    Stopped,
    Terminated,
    /// A state that fits none of the above (RDS `failed`, `incompatible-network`, ...).
    Other,
}

impl ResourceState {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceState::Pending => "pending",
            ResourceState::Running => "running",
            ResourceState::Stopping => "stopping",
            ResourceState::Stopped => "stopped",
            ResourceState::Terminated => "terminated",
            ResourceState::Other => "other",
        }
    }

    /// A normalised state as `as_str` names it (as the inventory stores it); anything else
    /// is `Other`.
    pub fn parse(s: &str) -> ResourceState {
        [
            ResourceState::Pending,
            ResourceState::Running,
            ResourceState::Stopping,
            ResourceState::Stopped,
            ResourceState::Terminated,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .unwrap_or(ResourceState::Other)
    }

    /// EC2 instance states (`shutting-down` is on its way to terminated).
    pub fn from_ec2(raw: &str) -> ResourceState {
        match raw {
            "pending" => ResourceState::Pending,
            "running" => ResourceState::Running,
            "stopping" => ResourceState::Stopping,
            "stopped" => ResourceState::Stopped,
            "shutting-down" | "terminated" => ResourceState::Terminated,
            _ => ResourceState::Other,
        }
    }

    /// RDS instance and cluster statuses mapped onto the common states.
    pub fn from_rds(raw: &str) -> ResourceState {
        match raw {
            "available"
            | "backing-up"
            | "modifying"
            | "maintenance"
            | "upgrading"
            | "renaming"
            | "rebooting"
            | "resetting-master-credentials"
            | "storage-optimization"
            | "configuring-enhanced-monitoring"
            | "configuring-log-exports" => ResourceState::Running,
            "starting" | "creating" => ResourceState::Pending,
            "stopping" => ResourceState::Stopping,
            "stopped" => ResourceState::Stopped,
            "deleting" | "deleted" => ResourceState::Terminated,
            _ => ResourceState::Other,
        }
    }
}

impl fmt::Display for ResourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A discovered resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub provider: String,
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
    pub state: ResourceState,
    pub raw_state: String,
    pub instance_type: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub launched_at: Option<Timestamp>,
    /// An RDS resource's preferred maintenance window, `ddd:hh:mm-ddd:hh:mm` in UTC.
    #[serde(default)]
    pub maintenance_window: Option<String>,
}

impl Resource {
    pub fn target(&self) -> Target {
        Target {
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }

    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            kind: self.kind,
            id: self.id.clone(),
        }
    }
}

/// Names one resource for an action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: String,
}

/// Tags to write on resources and tag keys to take off them, in one change (the tags the
/// scheduler writes back after acting).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct TagChange {
    pub set: BTreeMap<String, String>,
    pub remove: std::collections::BTreeSet<String>,
}

impl TagChange {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }

    /// `tags` once the change is made.
    pub fn apply(&self, tags: &mut BTreeMap<String, String>) {
        tags.retain(|k, _| !self.remove.contains(k));
        tags.extend(self.set.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// An SSM maintenance window of a target, as its definition gives it: the schedule crate's
/// type, which computes when the window is in force.
pub use isched_schedule::maintenance::SsmWindow as MaintenanceWindow;

/// Which resources discovery returns: those carrying any of these tag keys (servers filter
/// where the API can), or all when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFilter {
    pub any_of_keys: Vec<String>,
}

impl TagFilter {
    pub fn keys(keys: &[&str]) -> TagFilter {
        TagFilter {
            any_of_keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    pub fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        self.any_of_keys.is_empty() || self.any_of_keys.iter().any(|k| tags.contains_key(k))
    }
}

/// What to create: an instance from an image, idempotent through `client_token` (the same
/// token twice creates one instance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSpec {
    pub client_token: String,
    pub image_id: String,
    pub instance_type: String,
    pub subnet_id: Option<String>,
    pub security_group_ids: Vec<String>,
    pub key_name: Option<String>,
    pub user_data: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// How the owner of a new instance signs in to it. The secret is shown to them once and
/// then forgotten; only the fingerprint is kept. Debug never prints the secret.
#[derive(Debug, Clone)]
pub struct Login {
    pub username: String,
    pub secret: LoginSecret,
    /// `SHA256:...` of the key (as EC2 and ssh-keygen print it) or of the password.
    pub fingerprint: String,
    /// The key pair to launch with (EC2), if the login is one.
    pub key_name: Option<String>,
}

#[derive(Debug, Clone)]
pub enum LoginSecret {
    /// An OpenSSH private key.
    PrivateKey(secrecy::SecretString),
    Password(secrecy::SecretString),
}

/// `SHA256:<base64>` of `bytes`, as ssh-keygen writes fingerprints.
pub fn sha256_fingerprint(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}
