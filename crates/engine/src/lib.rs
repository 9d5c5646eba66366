//! The scheduler engine: stored definitions (periods, schedules, calendars) now; the
//! reconciler that compares each resource's desired state (from `schedule`) with its
//! actual state (from `cloud`), leases that divide targets between replicas, the durable
//! job queue and notifications are still to come (issue E).

pub mod decide;
pub mod definitions;
pub mod overrides;
pub mod plan;
pub mod reconcile;
pub mod scheduler;
