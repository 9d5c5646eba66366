//! The continuous scheduler inside `isched serve`: a reconcile pass, then sleep until the
//! earliest next transition of any schedule in use (or the periodic resync, whichever
//! comes first), then again. No fixed polling: a 09:00 start happens at 09:00:00.
//!
//! The wait is measured against the wall clock in slices of at most a few seconds, so a
//! clock that jumps (NTP step, VM resume) is noticed instead of oversleeping on a monotonic
//! timer. After downtime the first pass catches up to the current desired state by the same
//! rules.

use crate::definitions::Definitions;
use crate::leases::TargetLeases;
use crate::notify::Notifier;
use crate::plan::all_targets;
use crate::reconcile::{Acting, reconcile_targets};
use crate::reminders::ReminderSettings;
use crate::retries::{RetryPlan, StartRetries};
use isched_auth::clock::Clock;
use isched_cloud::Provider;
use isched_schedule::Catalog;
use isched_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The first wait after a pass that failed as a whole; it doubles with each failure in a
/// row (up to 64 times), and the resync bounds it.
const PASS_RETRY: SignedDuration = SignedDuration::from_secs(2);

/// How often a replica holding targets reads the shared change counter: a change made
/// through another replica or the CLI is acted on within this (plus a pass).
const CHANGE_POLL_MS: u64 = 250;

/// What `/health/components` shows of the scheduler.
#[derive(Debug, Clone, Default)]
pub struct SchedulerStatus {
    pub running: bool,
    /// This replica holds no target's lease (others do); it takes over those that lapse.
    pub standby: bool,
    pub targets_held: usize,
    pub targets_total: usize,
    pub last_pass: Option<Timestamp>,
    pub last_error: Option<String>,
    pub next_wakeup: Option<Timestamp>,
    pub resources: usize,
}

/// Shared with the server: status for health, and a nudge when something changed.
#[derive(Debug, Clone, Default)]
pub struct SchedulerHandle(Arc<Mutex<SchedulerStatus>>, Arc<tokio::sync::Notify>);

impl SchedulerHandle {
    /// Makes the scheduler pass again now (a schedule changed, so its next wake-up may too).
    pub fn wake(&self) {
        self.1.notify_one();
    }

    pub fn status(&self) -> SchedulerStatus {
        self.0.lock().expect("scheduler status").clone()
    }

    fn update(&self, f: impl FnOnce(&mut SchedulerStatus)) {
        f(&mut self.0.lock().expect("scheduler status"));
    }
}

pub struct Scheduler {
    pub provider: Arc<dyn Provider>,
    pub store: Store,
    pub schedule_tag: String,
    pub clock: Clock,
    /// Passes happen at least this often, to catch drift and new resources.
    pub resync: SignedDuration,
    /// The length of the leases on targets: renewed every third of it; a replica that
    /// dies loses its leases at expiry and the others take them over.
    pub lease: SignedDuration,
    /// This process, as lease holder.
    pub holder: String,
    /// Who hears of reminders and failed starts.
    pub notifier: Notifier,
    pub reminders: ReminderSettings,
    /// Act, or only record what it would do (`ISCHED_DRY_RUN`).
    pub acting: Acting,
    /// The tags written back on resources after starts, stops and failures.
    pub action_tags: crate::action_tags::ActionTags,
}

enum Woke {
    Due,
    Stop,
    /// Leases were lost or gained, or a change was announced: pass now, before the
    /// transition that was due (so no lag is measured for it).
    Changed,
}

/// The earliest next transition after `now` of the schedules named in `in_use`.
pub fn next_transition(
    catalog: &Catalog,
    in_use: &BTreeSet<String>,
    now: Timestamp,
) -> Option<Timestamp> {
    in_use
        .iter()
        .filter_map(|name| catalog.schedule(name)?.next_transition(now))
        .map(|t| t.at)
        .min()
}

impl Scheduler {
    /// Runs until `stop` turns true.
    pub async fn run(self, handle: SchedulerHandle, mut stop: watch::Receiver<bool>) {
        handle.update(|s| s.running = true);
        let mut leases = TargetLeases::new(
            self.store.clone(),
            self.provider.name(),
            self.holder.clone(),
            self.lease,
        );
        let mut due: Option<Timestamp> = None;
        // Passes that failed as a whole in a row (database busy, cloud API down).
        let mut failed_passes: u32 = 0;
        loop {
            let targets = match all_targets(self.provider.as_ref()).await {
                Ok(t) => t,
                Err(e) => {
                    handle.update(|s| s.last_error = Some(e.to_string()));
                    Vec::new()
                }
            };
            leases.refresh(&targets, self.clock.now()).await;
            let mine = leases.held(&targets);
            handle.update(|s| {
                s.standby = mine.is_empty();
                s.targets_held = mine.len();
                s.targets_total = targets.len();
            });
            if mine.is_empty() {
                handle.update(|s| s.next_wakeup = None);
                due = None;
                // Try again when a lapsed lease could be taken.
                let wake = self.clock.now() + self.renew_every();
                match self.sleep_until(wake, None, &handle, &mut stop).await {
                    Woke::Stop => break,
                    _ => continue,
                }
            }
            let started = self.clock.now();
            if let Some(due) = due.take() {
                // Transition lag: from the boundary to the pass that acts on it. Logged as
                // well, for log-based metrics where Prometheus is not scraped (CloudWatch).
                let lag = (started - due).as_secs_f64().max(0.0);
                metrics::histogram!("isched_transition_lag_seconds").record(lag);
                tracing::info!(transition_lag_seconds = lag, %due, "acting on a transition");
            }
            let version = self.store.change_counter().await.unwrap_or(0);
            let mut in_use = BTreeSet::new();
            let mut override_ends: Vec<Timestamp> = Vec::new();
            // Earlier wake-ups than the next transition: a retry, a reminder.
            let mut extra: Vec<Timestamp> = Vec::new();
            let passed = reconcile_targets(
                self.provider.as_ref(),
                &self.store,
                &self.schedule_tag,
                started,
                &mine,
                self.acting,
                &self.action_tags,
            )
            .await;
            // Read once for what follows the pass: reminders and the next transition.
            let catalog = match Definitions::new(self.store.clone()).catalog().await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the definitions after a pass");
                    None
                }
            };
            match passed {
                Ok(done) => {
                    in_use.extend(done.iter().map(|d| d.planned.schedule.clone()));
                    override_ends.extend(
                        done.iter()
                            .filter_map(|d| d.planned.active_override.map(|o| o.until)),
                    );
                    handle.update(|s| {
                        s.last_pass = Some(started);
                        s.last_error = None;
                        s.resources = done.len();
                    });
                    extra.extend(self.after_pass(&done, catalog.as_ref(), started).await);
                    failed_passes = 0;
                }
                Err(e) => {
                    // Not only at the resync: a transition due now would wait 5 minutes.
                    failed_passes += 1;
                    let delay = PASS_RETRY * 2i32.pow(failed_passes.min(6) - 1);
                    tracing::warn!(error = %e, retry_in = %delay, "scheduler pass failed; trying again");
                    handle.update(|s| s.last_error = Some(e.to_string()));
                    extra.push(started + delay);
                }
            }
            let resync_at = self.clock.now() + self.resync;
            // The next schedule transition, or an override's end, whichever is first.
            let transition = catalog
                .as_ref()
                .and_then(|c| next_transition(c, &in_use, started))
                .into_iter()
                .chain(override_ends.into_iter().filter(|t| *t > started))
                .min();
            let wake = transition
                .into_iter()
                .chain(extra.into_iter().filter(|t| *t > started))
                .filter(|t| *t < resync_at)
                .min()
                .unwrap_or(resync_at);
            due = transition.filter(|t| *t <= wake);
            handle.update(|s| s.next_wakeup = Some(wake));
            let holding = Holding {
                leases: &mut leases,
                targets: &targets,
                version,
            };
            match self
                .sleep_until(wake, Some(holding), &handle, &mut stop)
                .await
            {
                Woke::Stop => break,
                Woke::Changed => due = None,
                Woke::Due => {}
            }
        }
        leases.release_all().await;
        handle.update(|s| s.running = false);
    }

    /// Usage events, retries of failed starts (and their reports), and reminders of coming
    /// stops. Returns the instants to wake up for them.
    async fn after_pass(
        &self,
        done: &[crate::reconcile::Done],
        catalog: Option<&Catalog>,
        now: Timestamp,
    ) -> Vec<Timestamp> {
        crate::usage::record_scheduled(&self.store, self.provider.as_ref(), done, now).await;
        let plan = self.retries(done, now).await;
        for (entry, notice) in &plan.reports {
            if let Err(e) = self.store.append_history(entry).await {
                tracing::warn!(error = %e, "cannot record a failed start's report");
            }
            self.notifier.send(notice).await;
        }
        let reminder = match catalog {
            // Nothing stops in a dry run, so nobody is told that it will.
            _ if self.acting == Acting::DryRun => None,
            Some(c) => match self
                .reminders
                .run(&self.store, &self.notifier, c, done, now)
                .await
            {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(error = %e, "reminders not sent this pass");
                    None
                }
            },
            None => None,
        };
        plan.retry_at.into_iter().chain(reminder).collect()
    }

    /// Counts the pass's failed starts against the stored counts. Without the database the
    /// failures are not counted this pass (no retry sooner than the resync, no report yet):
    /// the next pass that can read them counts on.
    async fn retries(&self, done: &[crate::reconcile::Done], now: Timestamp) -> RetryPlan {
        let mut retries = match StartRetries::load(&self.store).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the failed-start counts");
                return RetryPlan::default();
            }
        };
        let plan = retries.after_pass(done, now);
        if let Err(e) = retries.save(&self.store, now).await {
            tracing::warn!(error = %e, "cannot store the failed-start counts");
            // Reporting now could report again after the next pass: wait for it.
            return RetryPlan {
                retry_at: plan.retry_at,
                reports: Vec::new(),
            };
        }
        plan
    }

    fn renew_every(&self) -> SignedDuration {
        self.lease / 3
    }

    /// Sleeps until the wall clock reaches `wake`. While `holding` leases, renews them on
    /// the way and wakes early when they change or when the change counter moves (a change
    /// made through another replica or the CLI).
    async fn sleep_until(
        &self,
        wake: Timestamp,
        mut holding: Option<Holding<'_>>,
        handle: &SchedulerHandle,
        stop: &mut watch::Receiver<bool>,
    ) -> Woke {
        let mut renewed = self.clock.now();
        loop {
            let now = self.clock.now();
            if holding.is_some() {
                metrics::gauge!("isched_next_wakeup_seconds")
                    .set((wake - now).as_secs_f64().max(0.0));
            }
            if now >= wake {
                return Woke::Due;
            }
            if let Some(h) = holding.as_mut()
                && now >= renewed + self.renew_every()
            {
                renewed = now;
                if h.leases.refresh(h.targets, now).await {
                    tracing::info!("the scheduler's leases changed; passing again");
                    return Woke::Changed;
                }
            }
            if let Some(h) = holding.as_ref()
                && self.store.change_counter().await.unwrap_or(h.version) != h.version
            {
                // A change made elsewhere (another replica, the CLI): act on it now.
                return Woke::Changed;
            }
            let mut left = (wake - now)
                .as_millis()
                .clamp(1, 5_000)
                .min(self.renew_every().as_millis().max(1)) as u64;
            if holding.is_some() {
                left = left.min(CHANGE_POLL_MS);
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(left)) => {}
                _ = handle.1.notified() => return Woke::Changed,
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return Woke::Stop;
                    }
                }
            }
        }
    }
}

/// The leases a replica holds while it sleeps, and the change counter it last acted on.
struct Holding<'a> {
    leases: &'a mut TargetLeases,
    targets: &'a [isched_cloud::Target],
    version: i64,
}
