//! The scheduler engine: stored definitions (periods, schedules, calendars), the
//! reconciler that compares each resource's desired state (from `schedule`) with its
//! actual state (from `cloud`), the continuous scheduler and the leases that divide
//! targets between replicas, and the [`Engine`] façade through which every change is made.

pub mod action_tags;
pub mod bounded_file;
pub mod decide;
pub mod definitions;
pub mod facade;
pub mod instances;
pub mod interrupted;
pub mod inventory_plan;
pub mod jobs;
pub mod leases;
pub mod notify;
pub mod overrides;
pub mod plan;
pub mod preferred_types;
pub mod reconcile;
pub mod reminders;
pub mod retries;
pub mod scheduler;
pub mod templates;
pub mod usage;

pub use facade::{Actor, Engine, LIFETIME_LINK, Lengthened, Outlook, Snoozed};
