//! One way in for changes. The API, the CLI and the /snooze pages change definitions,
//! overrides and assignments only through [`Engine`], whose methods validate, write, audit
//! once and announce the change: the shared change counter that every replica watches is
//! bumped (so whichever replica holds the target acts within a second) and this process's
//! scheduler is woken at once. No caller can forget either.

use crate::definitions::{DefinitionError, Definitions, Kind, invalid};
use crate::notify::Notifier;
use crate::overrides::{self, OverrideRequest};
use crate::plan::{Discovery, EngineError, all_targets, plan_targets};
use crate::scheduler::SchedulerHandle;
use crate::usage::UsageSettings;
use isched_auth::clock::Clock;
use isched_cloud::Provider;
use isched_schedule::spec::CatalogSpec;
use isched_store::Store;
use isched_store::audit::NewAuditEntry;
use isched_store::inventory::{InventoryItem, InventoryQuery};
use isched_store::overrides::StoredOverride;
use isched_store::scheduling::HistoryEntry;
use isched_store::users::User;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

mod announcements;
mod expiry;
mod instances;
mod lifetimes;
mod outlook;
pub use lifetimes::{LIFETIME_LINK, Lengthened};
pub use outlook::Outlook;
mod provision;
mod quotas;
mod templates;
mod usage;

/// Who makes a change: `id` goes to the audit log (a user id, or `cli`), `name` into the
/// resource history that people read (an email address, `cli`, `snooze link`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
}

impl Actor {
    pub fn user(user: &User) -> Actor {
        Actor {
            id: user.id.clone(),
            name: user.email.as_str().to_owned(),
        }
    }

    /// Someone at the command line, on the database directly.
    pub fn cli() -> Actor {
        Actor {
            id: "cli".into(),
            name: "cli".into(),
        }
    }

    /// isched itself (a job, the scheduler).
    pub fn system() -> Actor {
        Actor {
            id: isched_store::audit::SYSTEM_ACTOR.into(),
            name: "isched".into(),
        }
    }

    /// Whoever holds a signed link from a reminder.
    pub fn snooze_link() -> Actor {
        Actor {
            id: isched_store::audit::SYSTEM_ACTOR.into(),
            name: "snooze link".into(),
        }
    }
}

/// What a "keep running until" from a reminder did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snoozed {
    /// The override now runs until then.
    Set(StoredOverride),
    /// A longer "keep running" was already set; it stays (a snooze never shortens one).
    AlreadyLonger(StoredOverride),
}

/// The engine's parts, shared by every handler and command. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Arc<dyn Provider>,
    store: Store,
    schedule_tag: String,
    clock: Clock,
    notifier: Notifier,
    /// This process's scheduler, woken at once after a change (other replicas see the
    /// change counter).
    scheduler: Option<SchedulerHandle>,
    /// Wakes this process's job runner when a job is queued here.
    jobs_wake: tokio::sync::Notify,
    /// How usage and cost are counted.
    usage: UsageSettings,
    /// Signalled when complete days were rolled up (exports wait on it).
    usage_rolled: tokio::sync::Notify,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("provider", &self.inner.provider.name())
            .field("store", &self.inner.store)
            .field("schedule_tag", &self.inner.schedule_tag)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(
        provider: Arc<dyn Provider>,
        store: Store,
        schedule_tag: String,
        clock: Clock,
        notifier: Notifier,
        scheduler: Option<SchedulerHandle>,
        usage: UsageSettings,
    ) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                provider,
                store,
                schedule_tag,
                clock,
                notifier,
                scheduler,
                jobs_wake: tokio::sync::Notify::new(),
                usage,
                usage_rolled: tokio::sync::Notify::new(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn provider(&self) -> &Arc<dyn Provider> {
        &self.inner.provider
    }

    /// The tag that names a resource's schedule.
    pub fn schedule_tag(&self) -> &str {
        &self.inner.schedule_tag
    }

    pub fn notifier(&self) -> &Notifier {
        &self.inner.notifier
    }

    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// Reads of the stored periods, schedules and calendars.
    pub fn definitions(&self) -> Definitions {
        Definitions::new(self.inner.store.clone())
    }

    /// Creates (`existing` None) or replaces a period, schedule or calendar.
    pub async fn put_definition(
        &self,
        actor: &Actor,
        kind: Kind,
        existing: Option<&str>,
        body: Value,
    ) -> Result<Value, EngineError> {
        let now = self.now();
        let stored = self.definitions().put(kind, existing, body, now).await?;
        let name = stored["name"].as_str().unwrap_or_default().to_owned();
        let action = if existing.is_some() {
            "definition.updated"
        } else {
            "definition.created"
        };
        self.changed(
            actor,
            action,
            &format!("{}:{name}", kind.as_str()),
            json!({}),
            now,
        )
        .await?;
        Ok(stored)
    }

    pub async fn delete_definition(
        &self,
        actor: &Actor,
        kind: Kind,
        name: &str,
    ) -> Result<(), EngineError> {
        let now = self.now();
        self.definitions().delete(kind, name, now).await?;
        self.changed(
            actor,
            "definition.deleted",
            &format!("{}:{name}", kind.as_str()),
            json!({}),
            now,
        )
        .await?;
        Ok(())
    }

    /// Replaces every definition with `spec` (all or nothing); `source` names where it came
    /// from, for the audit log.
    pub async fn import_definitions(
        &self,
        actor: &Actor,
        spec: &CatalogSpec,
        source: &str,
    ) -> Result<(), EngineError> {
        let now = self.now();
        self.definitions().import(spec, now).await?;
        self.changed(
            actor,
            "definition.imported",
            source,
            json!({
                "periods": spec.periods.len(),
                "schedules": spec.schedules.len(),
                "calendars": spec.calendars.len(),
            }),
            now,
        )
        .await?;
        Ok(())
    }

    /// Sets the override of the scheduled resource `id` (its cloud id or key).
    pub async fn set_override(
        &self,
        actor: &Actor,
        id: &str,
        request: &OverrideRequest,
    ) -> Result<(InventoryItem, StoredOverride), EngineError> {
        let now = self.now();
        let item = self.scheduled_resource(id).await?;
        let schedule = item.schedule.clone().unwrap_or_default();
        let o = overrides::set(
            &self.inner.store,
            &item.resource,
            &schedule,
            request,
            &actor.name,
            now,
        )
        .await?;
        self.changed(
            actor,
            "override.set",
            &item.resource,
            json!({ "state": o.state, "until": o.until }),
            now,
        )
        .await?;
        Ok((item, o))
    }

    /// Clears the override of the scheduled resource `id`, if it has one.
    pub async fn clear_override(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<InventoryItem, EngineError> {
        let now = self.now();
        let item = self.scheduled_resource(id).await?;
        if self.inner.store.clear_override(&item.resource).await? {
            self.inner
                .store
                .append_history(&HistoryEntry {
                    at: now,
                    resource: item.resource.clone(),
                    schedule: item.schedule.clone(),
                    action: "none".into(),
                    outcome: "override cleared".into(),
                    reason: format!("{} cleared the override", actor.name),
                })
                .await?;
            self.changed(actor, "override.cleared", &item.resource, json!({}), now)
                .await?;
        }
        Ok(item)
    }

    /// "Keep running until" from a reminder's signed link, for the resource `key` that
    /// follows `schedule`. Never shortens a longer one.
    pub async fn snooze(
        &self,
        key: &str,
        schedule: &str,
        until: Timestamp,
    ) -> Result<Snoozed, EngineError> {
        let now = self.now();
        if let Some(o) = self.inner.store.overrides().await?.remove(key)
            && o.state == "running"
            && o.until >= until
        {
            return Ok(Snoozed::AlreadyLonger(o));
        }
        let actor = Actor::snooze_link();
        let request = OverrideRequest::RunningUntil(until);
        let o =
            overrides::set(&self.inner.store, key, schedule, &request, &actor.name, now).await?;
        self.changed(
            &actor,
            "override.snoozed",
            key,
            json!({ "state": o.state, "until": o.until }),
            now,
        )
        .await?;
        Ok(Snoozed::Set(o))
    }

    /// Makes the resource `id` follow `schedule` whatever its tag says (Some), or hands it
    /// back to its tag (None). Returns the resource's key.
    pub async fn assign_schedule(
        &self,
        actor: &Actor,
        id: &str,
        schedule: Option<&str>,
    ) -> Result<String, EngineError> {
        let now = self.now();
        let item = self.resource(id).await?;
        let key = item.resource;
        let (outcome, reason, action) = match schedule {
            Some(name) => {
                let catalog = self.definitions().catalog().await?;
                if catalog.schedule(name).is_none() {
                    return Err(DefinitionError::NotFound("schedule", name.to_owned()).into());
                }
                self.inner
                    .store
                    .assign_schedule(&key, name, &actor.name, now)
                    .await?;
                (
                    "schedule assigned",
                    format!("{} assigned {name:?}", actor.name),
                    "schedule.assigned",
                )
            }
            None => {
                if !self.inner.store.unassign_schedule(&key).await? {
                    return Ok(key);
                }
                (
                    "assignment removed",
                    format!(
                        "{} removed the assignment; the tag decides again",
                        actor.name
                    ),
                    "schedule.unassigned",
                )
            }
        };
        self.inner
            .store
            .append_history(&HistoryEntry {
                at: now,
                resource: key.clone(),
                schedule: schedule.map(str::to_owned),
                action: "none".into(),
                outcome: outcome.into(),
                reason,
            })
            .await?;
        self.changed(actor, action, &key, json!({ "schedule": schedule }), now)
            .await?;
        Ok(key)
    }

    /// A page of the stored inventory.
    pub async fn inventory(
        &self,
        query: &InventoryQuery,
    ) -> Result<(Vec<InventoryItem>, bool), EngineError> {
        Ok(self.inner.store.inventory_page(query).await?)
    }

    /// Discovers every resource of every target now and stores what it saw in the
    /// inventory (what `?refresh=true` and `--refresh` do).
    pub async fn refresh_inventory(&self) -> Result<usize, EngineError> {
        let targets = all_targets(self.inner.provider.as_ref()).await?;
        let plan = plan_targets(
            self.inner.provider.as_ref(),
            &self.inner.store,
            &self.inner.schedule_tag,
            self.now(),
            &targets,
            Discovery::Everything,
        )
        .await?;
        self.inner.store.update_inventory(&plan.seen).await?;
        Ok(plan.seen.items.len())
    }

    /// The resource `id` names (its cloud id or its key), from the inventory; a resource not
    /// there yet (created since the last pass) is looked for with a refresh.
    pub async fn resource(&self, id: &str) -> Result<InventoryItem, EngineError> {
        let mut found = self.inner.store.inventory_find(id).await?;
        if found.is_empty() {
            self.refresh_inventory().await?;
            found = self.inner.store.inventory_find(id).await?;
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(DefinitionError::NotFound("resource", id.to_owned()).into()),
            n => Err(invalid(
                "resource",
                format!("{id:?} names {n} resources (the same id in several accounts or regions); use provider:account:region:id"),
            )
            .into()),
        }
    }

    /// As [`Engine::resource`], for a resource that follows a schedule.
    async fn scheduled_resource(&self, id: &str) -> Result<InventoryItem, EngineError> {
        let item = self.resource(id).await?;
        if item.schedule.is_none() {
            return Err(DefinitionError::NotFound("scheduled resource", id.to_owned()).into());
        }
        Ok(item)
    }

    /// Records a change that the scheduler must act on: audits it once, then announces it.
    /// Every method that changes what is scheduled ends here, so none audits without
    /// announcing or the reverse.
    async fn changed(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: Value,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        self.audited(actor, action, target, detail, now).await?;
        self.announce(now).await;
        Ok(())
    }

    /// Records a change that is stored in the audit log (changes the scheduler need not
    /// hear about, such as templates, end here directly).
    async fn audited(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: Value,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        self.inner
            .store
            .append_audit(NewAuditEntry {
                at: now,
                actor: &actor.id,
                action,
                target: Some(target),
                detail,
            })
            .await?;
        Ok(())
    }

    /// Tells every replica's scheduler (through the change counter) and this process's
    /// (at once). The change is stored already: a failure here only delays acting on it
    /// until the next resync, so it is logged, not returned.
    async fn announce(&self, now: Timestamp) {
        if let Err(e) = self.inner.store.bump_change_counter(now).await {
            tracing::warn!(error = %e, "change stored but not announced to other replicas");
        }
        if let Some(s) = &self.inner.scheduler {
            s.wake();
        }
    }
}
