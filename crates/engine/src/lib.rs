//! The scheduler engine (issue E, not built yet): the reconciler that compares each
//! resource's desired state (from `schedule`) with its actual state (from `cloud`), leases
//! that divide targets between replicas, the durable job queue, and notifications.
