//! The job runner of one process: claims unfinished jobs (its own new ones at once, through
//! the engine's wake-up; others', and those a dead worker left, by polling) and runs several
//! at a time.

use crate::Engine;
use jiff::SignedDuration;
use std::sync::Arc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// How long a new instance's login waits for its owner to read it.
pub const LOGINS_KEPT: SignedDuration = SignedDuration::from_hours(24);

pub struct JobRunner {
    pub engine: Engine,
    /// This process, as claim holder (unique per process).
    pub worker: String,
    /// How long a claim lasts without a write; a worker that dies loses its jobs after it.
    pub lease: SignedDuration,
    /// How often to look for jobs without being woken.
    pub poll: std::time::Duration,
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// Owners are reminded before their instance's life ends (None: never).
    pub reminders: Option<crate::reminders::ReminderSettings>,
    /// Plan-only mode (`ISCHED_DRY_RUN`): lifetimes that end are left alone (and nobody is
    /// reminded of them); jobs users ask for still run.
    pub dry_run: bool,
}

impl JobRunner {
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut running = JoinSet::new();
        let mut last_upkeep: Option<std::time::Instant> = None;
        loop {
            // Take jobs while there are free slots and jobs to take.
            loop {
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    break;
                };
                let claimed = self
                    .engine
                    .store()
                    .claim_job(&self.worker, self.engine.now(), self.lease)
                    .await;
                match claimed {
                    Ok(Some(job)) => {
                        let engine = self.engine.clone();
                        let worker = self.worker.clone();
                        let lease = self.lease;
                        running.spawn(async move {
                            engine.run_job(job, &worker, lease).await;
                            drop(permit);
                        });
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot claim jobs");
                        break;
                    }
                }
            }
            // Upkeep once per poll, not after every job that finishes.
            if last_upkeep.is_none_or(|at| at.elapsed() >= self.poll) {
                self.upkeep().await;
                last_upkeep = Some(std::time::Instant::now());
            }
            tokio::select! {
                _ = self.engine.jobs_waiting().notified() => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = tokio::time::sleep(self.poll) => {}
                _ = stop.changed() => break,
            }
        }
        // Jobs in flight stop where they are: each resumes at its first unfinished step,
        // here after a restart or on another replica once its claim runs out.
        running.shutdown().await;
    }

    /// Reminds owners of lifetimes that end soon, and ends those that have.
    async fn lifetimes(&self) {
        if let Some(settings) = &self.reminders
            && let Err(e) = self.engine.remind_expiring(settings).await
        {
            tracing::warn!(error = %e, "cannot remind owners of lifetimes that end");
        }
        if let Err(e) = self.engine.expire_instances().await {
            tracing::warn!(error = %e, "cannot act on expired instances");
        }
    }

    /// What every replica does besides jobs: ends lifetimes (each instance is acted on
    /// once), forgets logins nobody read within a day, and retries notices.
    async fn upkeep(&self) {
        self.engine.notifier().deliver_due().await;
        if let Err(e) = self.engine.roll_up_usage().await {
            tracing::warn!(error = %e, "cannot roll usage up");
        }
        if !self.dry_run {
            self.lifetimes().await;
        }
        let before = self.engine.now() - LOGINS_KEPT;
        match self.engine.store().forget_job_secrets(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                logins = n,
                "forgot logins their owners did not read within a day"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot forget unread logins"),
        }
    }
}
