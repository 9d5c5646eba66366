//! Dividing the scheduler's work between replicas of `isched serve` on one database: a
//! lease row per account-region target (`target:<provider>:<account>:<region>`) with an
//! expiry, and a membership lease per replica (`replica:<holder>`) so that each one knows
//! how many are alive and takes only its share. Leases are renewed every third of their
//! length; a replica that dies loses them at expiry and the others take them over.

use isched_cloud::Target;
use isched_store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

const REPLICA_PREFIX: &str = "replica:";
const TARGET_PREFIX: &str = "target:";

pub struct TargetLeases {
    store: Store,
    provider: &'static str,
    holder: String,
    lease: SignedDuration,
    held: BTreeSet<String>,
}

impl TargetLeases {
    pub fn new(
        store: Store,
        provider: &'static str,
        holder: String,
        lease: SignedDuration,
    ) -> TargetLeases {
        TargetLeases {
            store,
            provider,
            holder,
            lease,
            held: BTreeSet::new(),
        }
    }

    pub fn lease_name(&self, t: &Target) -> String {
        format!(
            "{TARGET_PREFIX}{}:{}:{}",
            self.provider, t.account, t.region
        )
    }

    /// The targets of `all` this replica holds.
    pub fn held(&self, all: &[Target]) -> Vec<Target> {
        all.iter()
            .filter(|t| self.held.contains(&self.lease_name(t)))
            .cloned()
            .collect()
    }

    /// Renews what this replica holds, gives up what exceeds its share (a replica joined),
    /// and takes free or lapsed targets up to its share. True if the held set changed.
    /// A database error drops every lease: acting without one could double an action.
    pub async fn refresh(&mut self, targets: &[Target], now: Timestamp) -> bool {
        let before = self.held.clone();
        if let Err(e) = self.try_refresh(targets, now).await {
            tracing::warn!(error = %e, "cannot renew the scheduler's leases; standing by");
            self.held.clear();
        }
        self.held != before
    }

    async fn try_refresh(&mut self, targets: &[Target], now: Timestamp) -> Result<(), StoreError> {
        let until = now + self.lease;
        let me = format!("{REPLICA_PREFIX}{}", self.holder);
        self.store.try_lease(&me, &self.holder, now, until).await?;
        let replicas = self
            .store
            .live_leases(REPLICA_PREFIX, now)
            .await?
            .len()
            .max(1);
        let share = targets.len().div_ceil(replicas);

        let names: BTreeSet<String> = targets.iter().map(|t| self.lease_name(t)).collect();
        for name in self.held.clone() {
            if !names.contains(&name)
                || !self
                    .store
                    .try_lease(&name, &self.holder, now, until)
                    .await?
            {
                self.held.remove(&name);
            }
        }
        while self.held.len() > share {
            let Some(name) = self.held.pop_last() else {
                break;
            };
            self.store.release_lease(&name, &self.holder).await?;
        }
        let taken = self.store.live_leases(TARGET_PREFIX, now).await?;
        for name in names {
            if self.held.len() >= share {
                break;
            }
            if !self.held.contains(&name)
                && !taken.contains_key(&name)
                && self
                    .store
                    .try_lease(&name, &self.holder, now, until)
                    .await?
            {
                self.held.insert(name);
            }
        }
        Ok(())
    }

    /// Gives every lease up (on shutdown), so the others need not wait for them to lapse.
    pub async fn release_all(&mut self) {
        let me = format!("{REPLICA_PREFIX}{}", self.holder);
        for name in std::mem::take(&mut self.held).into_iter().chain([me]) {
            if let Err(e) = self.store.release_lease(&name, &self.holder).await {
                tracing::warn!(error = %e, lease = name, "lease not released; it lapses by itself");
            }
        }
    }
}
