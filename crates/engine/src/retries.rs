//! Failed starts are retried with backoff, then reported. A failed start keeps the stored
//! desired state, so every later pass tries again; this decides when the next pass comes
//! (15 s, 30 s, 1 min, 2 min, 4 min after each failure, instead of at the next resync) and,
//! once those retries are spent, reports the failure once: in the history, to the log, and
//! to the admins by email and webhook. Later passes (each resync) keep trying.
//!
//! The counts live in the database (`start_failures`): a restart, or another replica
//! taking the lease, continues the backoff where it was and does not report twice.

use crate::decide::Action;
use crate::notify::Notice;
use crate::reconcile::Done;
use isched_store::scheduling::HistoryEntry;
use isched_store::start_failures::FailureCounts;
use isched_store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;

/// Retries before the report.
pub const RETRIES: u32 = 5;
const FIRST_DELAY: SignedDuration = SignedDuration::from_secs(15);
/// A count not updated for this long belongs to a resource that is gone (one that keeps
/// failing is counted again at every resync).
const FORGET_AFTER: SignedDuration = SignedDuration::from_hours(24);

/// The counts a pass starts from.
#[derive(Debug, Default)]
pub struct StartRetries {
    /// Resource key → failed starts in a row.
    failures: HashMap<String, u32>,
    changes: FailureCounts,
}

/// What the scheduler does after a pass: wake for a retry, and report what gave up.
#[derive(Debug, Default)]
pub struct RetryPlan {
    pub retry_at: Option<Timestamp>,
    pub reports: Vec<(HistoryEntry, Notice)>,
}

fn is_start(action: &Action) -> bool {
    matches!(action, Action::Start | Action::Resize { .. })
}

impl StartRetries {
    /// The stored counts.
    pub async fn load(store: &Store) -> Result<StartRetries, StoreError> {
        Ok(StartRetries {
            failures: store.start_failures().await?,
            changes: FailureCounts::default(),
        })
    }

    /// Stores what `after_pass` changed. A pass with no count stored and none changed (the
    /// usual pass) writes nothing; otherwise counts of gone resources are forgotten too.
    pub async fn save(self, store: &Store, now: Timestamp) -> Result<(), StoreError> {
        if self.changes.is_empty() && self.failures.is_empty() {
            return Ok(());
        }
        store
            .record_start_failures(&self.changes, now, now - FORGET_AFTER)
            .await
    }

    /// Counts this pass's failed starts (successes and non-starts clear the count).
    pub fn after_pass(&mut self, done: &[Done], now: Timestamp) -> RetryPlan {
        let mut plan = RetryPlan::default();
        for d in done {
            let key = &d.planned.key;
            let failed = is_start(&d.planned.decision.action) && d.outcome.is_failed();
            if !failed {
                if self.failures.remove(key).is_some() {
                    self.changes.cleared.push(key.clone());
                }
                continue;
            }
            let n = self.failures.entry(key.clone()).or_default();
            *n += 1;
            self.changes.set.push((key.clone(), *n));
            if *n <= RETRIES {
                let delay = FIRST_DELAY * 2i32.pow(*n - 1);
                let at = now + delay;
                plan.retry_at = Some(plan.retry_at.map_or(at, |r| r.min(at)));
            } else if *n == RETRIES + 1 {
                metrics::counter!("isched_start_failures_reported_total").increment(1);
                let p = &d.planned;
                let reason = format!(
                    "start failed {n} times in a row; retried at every resync from now on (last error: {})",
                    d.outcome.error().unwrap_or_default()
                );
                tracing::error!(resource = %p.key, schedule = %p.schedule, %reason, "start keeps failing");
                plan.reports.push((
                    HistoryEntry {
                        at: now,
                        resource: p.key.clone(),
                        schedule: Some(p.schedule.clone()),
                        action: "none".into(),
                        outcome: "reported".into(),
                        reason: reason.clone(),
                    },
                    Notice {
                        event: "start_failed",
                        subject: format!("isched cannot start {}", p.resource.id),
                        paragraphs: vec![
                            format!(
                                "The schedule {:?} wants {} ({}, {}) running, but starting it failed {n} times in a row.",
                                p.schedule,
                                p.resource.id,
                                p.resource.kind.as_str(),
                                p.resource.region
                            ),
                            format!("The last error: {}", d.outcome.error().unwrap_or_default()),
                            "isched keeps trying at every resync.".into(),
                        ],
                        link: None,
                        resource: Some(p.key.clone()),
                        owner: None,
                    },
                ));
            }
        }
        plan
    }
}
