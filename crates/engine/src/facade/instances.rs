//! Instances through the engine: a create request is stored with its job in one
//! transaction (the job runner does the cloud work); start, stop, extend and terminate act
//! at once, and everything is audited.

use super::{Actor, Engine};
use crate::definitions::{DefinitionError, invalid};
use crate::instances::{
    CREATE_STEPS, CreateInstance, login_name, new_instance_id, new_job_id, reference_of, target_of,
};
use crate::plan::EngineError;
use isched_cloud::{ErrorKind, ResourceRef, Target};
use isched_store::StoreError;
use isched_store::instances::{Instance, InstanceQuery, Lifecycle, NewInstance};
use isched_store::jobs::{Job, NewJob};
use isched_store::usage::UsageEvent;
use isched_store::users::User;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

/// What the owner may do, or an admin; others are told it does not exist.
fn visible_to(instance: &Instance, user: &User) -> bool {
    instance.owner == user.id || user.is_admin()
}

impl Engine {
    /// Stores a create request and its job; returns both at once (202). With an
    /// idempotency key, a repeated request returns the first one's instance and job.
    pub async fn create_instance(
        &self,
        owner: &User,
        request: CreateInstance,
        idempotency_key: Option<&str>,
    ) -> Result<(Instance, Job), EngineError> {
        if let Some(key) = idempotency_key
            && let Some(found) = self.repeated_request(owner, key).await?
        {
            return Ok(found);
        }
        let now = self.now();
        let template = self
            .inner
            .store
            .template(&request.template)
            .await?
            .ok_or_else(|| {
                invalid(
                    "template",
                    format!("no template named {:?}", request.template),
                )
            })?;
        let instance_type = request.check(&template)?;
        let spec = &template.spec;
        let price = self
            .template_prices(spec)
            .get(&instance_type)
            .copied()
            .flatten();
        let account = match &spec.account {
            Some(account) => account.clone(),
            None => crate::plan::all_targets(self.inner.provider.as_ref())
                .await?
                .into_iter()
                .find(|t| t.region == spec.region)
                .map(|t| t.account)
                .ok_or_else(|| {
                    invalid(
                        "template",
                        format!(
                            "no account of the template's region {:?} is managed",
                            spec.region
                        ),
                    )
                })?,
        };
        let expires_at = now + SignedDuration::from_hours(i64::from(spec.max_lifetime_hours));
        let checked = self
            .check_quota(
                owner,
                &super::quotas::NewUse {
                    target: &Target {
                        account: account.clone(),
                        region: spec.region.clone(),
                    },
                    instance_type: &instance_type,
                    hourly_price: price,
                    schedule: &spec.schedule,
                    expires_at,
                },
            )
            .await;
        let budget = match checked {
            Ok(budget) => budget,
            Err(EngineError::QuotaExceeded { limit, message }) => {
                self.quota_hit(owner, limit, &message).await;
                return Err(EngineError::QuotaExceeded { limit, message });
            }
            Err(e) => return Err(e),
        };
        let id = new_instance_id();
        let job_id = new_job_id();
        let stored = self
            .inner
            .store
            .create_instance_with_job(
                &NewInstance {
                    id: &id,
                    owner: &owner.id,
                    name: &request.name,
                    template: &template.name,
                    provider: &spec.provider,
                    account: &account,
                    region: &spec.region,
                    instance_type: &instance_type,
                    schedule: &spec.schedule,
                    hourly_price: price,
                    expires_at,
                },
                &NewJob {
                    id: &job_id,
                    kind: "create_instance",
                    owner: &owner.id,
                    instance: Some(&id),
                    steps: &CREATE_STEPS,
                    idempotency_key,
                    now,
                },
            )
            .await;
        match stored {
            Ok(()) => {}
            Err(StoreError::Conflict("instance name")) => {
                return Err(DefinitionError::Conflict(format!(
                    "you have an instance named {:?} already",
                    request.name
                ))
                .into());
            }
            // The same key in a request running at the same time: that one won.
            Err(StoreError::Conflict(_)) if idempotency_key.is_some() => {
                let key = idempotency_key.unwrap_or_default();
                return self
                    .repeated_request(owner, key)
                    .await?
                    .ok_or_else(|| StoreError::NotFound("job").into());
            }
            Err(e) => return Err(e.into()),
        }
        self.audited(
            &Actor::user(owner),
            "instance.requested",
            &format!("instance:{id}"),
            json!({ "template": template.name, "name": request.name, "instance_type": instance_type, "job": job_id }),
            now,
        )
        .await?;
        self.inner.jobs_wake.notify_one();
        if let Some(budget) = budget {
            self.budget_notices(owner, budget).await;
        }
        Ok((
            self.owned_instance(&id).await?,
            self.stored_job(&job_id).await?,
        ))
    }

    async fn repeated_request(
        &self,
        owner: &User,
        key: &str,
    ) -> Result<Option<(Instance, Job)>, EngineError> {
        let Some(job) = self
            .inner
            .store
            .job_by_idempotency_key(&owner.id, key)
            .await?
        else {
            return Ok(None);
        };
        let instance = self
            .owned_instance(job.instance.as_deref().unwrap_or_default())
            .await?;
        Ok(Some((instance, job)))
    }

    async fn owned_instance(&self, id: &str) -> Result<Instance, EngineError> {
        self.inner
            .store
            .instance(id)
            .await?
            .ok_or_else(|| DefinitionError::NotFound("instance", id.to_owned()).into())
    }

    async fn stored_job(&self, id: &str) -> Result<Job, EngineError> {
        self.inner
            .store
            .job(id)
            .await?
            .ok_or_else(|| DefinitionError::NotFound("job", id.to_owned()).into())
    }

    /// A page of instances: the user's own, or (admins) everyone's or `owner`'s.
    pub async fn instances(
        &self,
        user: &User,
        mut query: InstanceQuery,
    ) -> Result<(Vec<Instance>, bool), EngineError> {
        if !user.is_admin() {
            query.owner = Some(user.id.clone());
        }
        Ok(self.inner.store.instances_page(&query).await?)
    }

    /// One instance, if `user` may see it.
    pub async fn instance(&self, user: &User, id: &str) -> Result<Instance, EngineError> {
        match self.inner.store.instance(id).await? {
            Some(i) if visible_to(&i, user) => Ok(i),
            _ => Err(DefinitionError::NotFound("instance", id.to_owned()).into()),
        }
    }

    /// A job, if `user` may see it, with the login it made when `user` is its owner reading
    /// it for the first time after it succeeded (never again after that).
    pub async fn job(&self, user: &User, id: &str) -> Result<(Job, Option<String>), EngineError> {
        let job = match self.inner.store.job(id).await? {
            Some(j) if j.owner == user.id || user.is_admin() => j,
            _ => return Err(DefinitionError::NotFound("job", id.to_owned()).into()),
        };
        if job.owner != user.id
            || !job.has_secret
            || job.state != isched_store::jobs::JobState::Succeeded
        {
            return Ok((job, None));
        }
        let secret = self.inner.store.take_job_secret(id).await?;
        if secret.is_some()
            && let Some(instance) = &job.instance
        {
            self.inner
                .store
                .set_login_shown(instance, self.now())
                .await?;
            self.audited(
                &Actor::user(user),
                "instance.login_shown",
                &format!("instance:{instance}"),
                json!({ "job": id }),
                self.now(),
            )
            .await?;
        }
        Ok((job, secret))
    }

    /// Where the instance is in the cloud, for actions; only once launched and not gone.
    pub(super) fn launched(instance: &Instance) -> Result<(Target, ResourceRef), EngineError> {
        match (&instance.cloud_id, instance.lifecycle) {
            (Some(cloud_id), Lifecycle::Active) => {
                Ok((target_of(instance), reference_of(instance, cloud_id)))
            }
            _ => Err(DefinitionError::Conflict(format!(
                "instance {} is {}: only a running or stopped instance can do that",
                instance.id,
                instance.lifecycle.as_str()
            ))
            .into()),
        }
    }

    /// Starts or stops the instance now. The scheduler treats it as a manual change: the
    /// schedule acts again at its next transition.
    pub async fn power_instance(
        &self,
        user: &User,
        id: &str,
        start: bool,
        force: bool,
    ) -> Result<Instance, EngineError> {
        let instance = self.instance(user, id).await?;
        self.power_in_cloud(&instance, start).await?;
        let action = match (start, force) {
            (true, _) => "instance.started",
            (false, false) => "instance.stopped",
            (false, true) => "instance.force_stopped",
        };
        let now = self.now();
        self.changed(
            &Actor::user(user),
            action,
            &format!("instance:{id}"),
            json!({ "resource": instance.resource }),
            now,
        )
        .await?;
        self.owned_instance(id).await
    }

    /// Starts or stops the instance in the cloud, notes the state asked for in the
    /// inventory (until the next pass sees the cloud's own) and records the usage event.
    pub(super) async fn power_in_cloud(
        &self,
        instance: &Instance,
        start: bool,
    ) -> Result<(), EngineError> {
        let (target, reference) = Self::launched(instance)?;
        let provider = &self.inner.provider;
        let references = std::slice::from_ref(&reference);
        let results = if start {
            provider.start(&target, references).await
        } else {
            provider.stop(&target, references, false).await
        };
        if let Some(Err(e)) = results.into_iter().next().map(|r| r.outcome) {
            return Err(EngineError::cloud(&target, e));
        }
        let (state, event) = if start {
            ("pending", UsageEvent::Started)
        } else {
            ("stopping", UsageEvent::Stopped)
        };
        if let Some(key) = &instance.resource {
            self.inner.store.set_inventory_state(key, state).await?;
        }
        self.inner
            .store
            .append_usage_event(instance, event, self.now())
            .await?;
        Ok(())
    }

    /// Moves the end of the instance's life `hours` later, at most the template's maximum
    /// lifetime from now.
    pub async fn extend_instance(
        &self,
        user: &User,
        id: &str,
        hours: u32,
    ) -> Result<Instance, EngineError> {
        let instance = self.instance(user, id).await?;
        still_alive(&instance, id)?;
        if hours == 0 {
            return Err(invalid("hours", "must be at least 1").into());
        }
        let now = self.now();
        let max_hours = self.max_lifetime_hours(&instance).await?;
        let limit = now + SignedDuration::from_hours(i64::from(max_hours));
        let wanted = instance.expires_at.max(now) + SignedDuration::from_hours(i64::from(hours));
        if wanted > limit {
            return Err(invalid(
                "hours",
                format!("the template lets an instance live at most {max_hours} hours from now (until {limit})"),
            )
            .into());
        }
        self.lengthen_life(&Actor::user(user), &instance, wanted)
            .await
    }

    /// The longest life its template allows from now, in hours (0 if the template is gone).
    pub(super) async fn max_lifetime_hours(&self, instance: &Instance) -> Result<u32, EngineError> {
        Ok(self
            .inner
            .store
            .template(&instance.template)
            .await?
            .map_or(0, |t| t.spec.max_lifetime_hours))
    }

    /// Sets the end of `instance`'s life to `wanted`, audited as `actor`'s.
    pub(super) async fn lengthen_life(
        &self,
        actor: &Actor,
        instance: &Instance,
        wanted: Timestamp,
    ) -> Result<Instance, EngineError> {
        let now = self.now();
        let id = &instance.id;
        self.inner.store.set_instance_expiry(id, wanted).await?;
        // An instance whose life had ended was kept stopped by an override: it lives again,
        // and its schedule decides again.
        if instance.expires_at <= now
            && let Some(key) = &instance.resource
        {
            self.inner.store.clear_override(key).await?;
        }
        self.changed(
            actor,
            "instance.extended",
            &format!("instance:{id}"),
            json!({ "expires_at": wanted }),
            now,
        )
        .await?;
        self.owned_instance(id).await
    }

    /// Terminates the instance in the cloud and removes its login.
    pub async fn terminate_instance(&self, user: &User, id: &str) -> Result<Instance, EngineError> {
        let instance = self.instance(user, id).await?;
        let now = self.now();
        self.terminate_in_cloud(&instance).await?;
        self.inner
            .notifier
            .send(&crate::notify::Notice {
                event: "instance_terminated",
                subject: format!("isched: instance {} was terminated", instance.name),
                paragraphs: vec![format!(
                    "{} terminated {} ({}, {}), made from template {:?}.",
                    user.email.as_str(),
                    instance.name,
                    instance.instance_type,
                    instance.cloud_id.as_deref().unwrap_or("-"),
                    instance.template
                )],
                link: None,
                resource: instance.resource.clone(),
                owner: None,
            })
            .await;
        self.changed(
            &Actor::user(user),
            "instance.terminated",
            &format!("instance:{id}"),
            json!({ "resource": instance.resource }),
            now,
        )
        .await?;
        self.owned_instance(id).await
    }

    /// Terminates what exists of the instance and marks it terminated.
    pub(crate) async fn terminate_in_cloud(&self, instance: &Instance) -> Result<(), EngineError> {
        let (target, reference) = Self::launched(instance)?;
        let provider = &self.inner.provider;
        match provider.terminate(&target, &reference).await {
            Ok(()) => {}
            Err(e) if e.kind == ErrorKind::NotFound => {}
            Err(e) => return Err(EngineError::cloud(&target, e)),
        }
        if let Err(e) = provider
            .delete_login(&target, &login_name(&instance.job))
            .await
        {
            tracing::warn!(instance = %instance.id, error = %e, "the instance's key pair could not be deleted");
        }
        self.inner
            .store
            .set_instance_lifecycle(&instance.id, Lifecycle::Terminated, self.now())
            .await?;
        self.inner
            .store
            .append_usage_event(instance, UsageEvent::Terminated, self.now())
            .await?;
        Ok(())
    }

    /// Wakes this process's job runner (a job was queued).
    pub fn jobs_waiting(&self) -> &tokio::sync::Notify {
        &self.inner.jobs_wake
    }
}

/// Refuses to lengthen the life of an instance that failed or was terminated; `named` is
/// how the message names it.
pub(super) fn still_alive(instance: &Instance, named: &str) -> Result<(), EngineError> {
    if matches!(
        instance.lifecycle,
        Lifecycle::Active | Lifecycle::Provisioning
    ) {
        return Ok(());
    }
    Err(DefinitionError::Conflict(format!(
        "instance {named} is {}",
        instance.lifecycle.as_str()
    ))
    .into())
}
