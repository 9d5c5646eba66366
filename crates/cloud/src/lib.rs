//! Cloud providers behind one [`Provider`] trait: `sandbox`, a simulated cloud stored in
//! isched's database, and `aws`, through the official AWS SDK (the only crate that links it).

pub mod aws;
mod error;
mod model;
mod monitored;
mod provider;
pub mod sandbox;

pub use error::{ActionResult, CloudError, ErrorKind};
pub use model::{
    LaunchSpec, Login, LoginSecret, MaintenanceWindow, Resource, ResourceKind, ResourceRef,
    ResourceState, TagChange, TagFilter, Target, sha256_fingerprint,
};
pub use monitored::{MonitoredProvider, TargetHealth};
pub use provider::Provider;
