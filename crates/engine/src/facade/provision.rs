//! Running a create job, step by step: login, launch, wait until running, tag, notify.
//! Each finished step is written to the job row before the next starts, so a worker that
//! dies (kill -9) leaves a job that another worker resumes at the first unfinished step. The
//! launch uses the job id as the cloud's idempotency token: repeating it after a crash
//! finds the instance the first attempt made instead of making a second.

use super::{Actor, Engine};
use crate::instances::{
    TAG_INSTANCE, TAG_OWNER, TAG_TEMPLATE, instance_kind, login_name, reference_of, target_of,
};
use crate::notify::Notice;
use crate::plan::resource_key;
use crate::preferred_types::PREFERRED_TYPES_TAG;
use crate::templates::render_user_data;
use isched_cloud::{
    CloudError, ErrorKind, LaunchSpec, LoginSecret, Resource, ResourceState, TagFilter,
};
use isched_store::instances::{Instance, Lifecycle};
use isched_store::inventory::InventoryUpdate;
use isched_store::jobs::{Job, JobError, JobState, JobUpdate};
use isched_store::usage::UsageEvent;
use jiff::SignedDuration;
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::BTreeMap;

/// A job is given up after this many claims that ended without finishing it.
const MAX_ATTEMPTS: i64 = 5;
/// How long an instance may take to reach `running` after its launch.
const RUNNING_WITHIN: SignedDuration = SignedDuration::from_mins(10);

/// Why a job stopped before its end.
enum Halt {
    /// Worth another attempt later (throttling, the cloud unreachable).
    Retry(String),
    /// No attempt will do better (the cloud refused the request).
    Fail(JobError),
    /// Another worker owns the job now; this one writes nothing more.
    Lost,
}

impl From<isched_store::StoreError> for Halt {
    fn from(e: isched_store::StoreError) -> Halt {
        Halt::Retry(format!("database: {e}"))
    }
}

fn from_cloud(step: &str, e: CloudError) -> Halt {
    match e.kind {
        ErrorKind::Invalid
        | ErrorKind::NotFound
        | ErrorKind::Unauthorized
        | ErrorKind::Capacity => Halt::Fail(JobError {
            code: "cloud_refused".into(),
            message: format!("{step}: the cloud refused: {e}"),
        }),
        _ => Halt::Retry(format!("{step}: {e}")),
    }
}

impl Engine {
    /// Runs a job this worker has claimed (`lease` is how long each write extends the
    /// claim).
    pub async fn run_job(&self, job: Job, worker: &str, lease: SignedDuration) {
        let id = job.id.clone();
        let outcome = match job.kind.as_str() {
            "create_instance" => self.provision(job.clone(), worker, lease).await,
            other => Err(Halt::Fail(JobError {
                code: "unknown_job".into(),
                message: format!("this isched does not know jobs of kind {other:?}"),
            })),
        };
        let result = match outcome {
            Ok(()) => Ok(()),
            Err(Halt::Lost) => {
                tracing::info!(job = %id, "another worker took the job over");
                Ok(())
            }
            Err(Halt::Retry(why)) if job.attempts < MAX_ATTEMPTS => {
                tracing::warn!(job = %id, attempt = job.attempts, reason = %why, "job will be retried");
                self.note_retry(&job, worker, &why, lease).await
            }
            Err(Halt::Retry(why)) => {
                let error = JobError {
                    code: "gave_up".into(),
                    message: format!("gave up after {} attempts; the last: {why}", job.attempts),
                };
                self.fail_job(&job, worker, error, lease).await
            }
            Err(Halt::Fail(error)) => self.fail_job(&job, worker, error, lease).await,
        };
        if let Err(e) = result {
            tracing::warn!(job = %id, error = %e, "job state could not be written; it resumes when its claim runs out");
        }
    }

    async fn provision(
        &self,
        mut job: Job,
        worker: &str,
        lease: SignedDuration,
    ) -> Result<(), Halt> {
        let store = &self.inner.store;
        let provider = &self.inner.provider;
        let instance_id = job.instance.clone().unwrap_or_default();
        let mut instance = store.instance(&instance_id).await?.ok_or_else(|| {
            Halt::Fail(JobError {
                code: "missing_instance".into(),
                message: format!("instance {instance_id} is gone"),
            })
        })?;
        let target = target_of(&instance);
        let owner = store.user_by_id(&instance.owner).await?;
        let owner_email = owner
            .as_ref()
            .map_or_else(String::new, |u| u.email.as_str().to_owned());

        if !job.step_done("login") {
            let login = provider
                .create_login(&target, &login_name(&job.id))
                .await
                .map_err(|e| from_cloud("login", e))?;
            let secret = match &login.secret {
                LoginSecret::PrivateKey(k) => json!({ "private_key": k.expose_secret() }),
                LoginSecret::Password(p) => json!({ "password": p.expose_secret() }),
            };
            if !store
                .set_job_secret(&job.id, worker, &secret.to_string())
                .await?
            {
                return Err(Halt::Lost);
            }
            store
                .set_instance_login(&instance.id, &login.username, "", &login.fingerprint)
                .await?;
            self.step(&mut job, worker, "login", lease).await?;
        }

        if !job.step_done("launch") {
            let template = store.template(&instance.template).await?.ok_or_else(|| {
                Halt::Fail(JobError {
                    code: "missing_template".into(),
                    message: format!("template {:?} was deleted", instance.template),
                })
            })?;
            let spec = &template.spec;
            let kind = instance_kind(&instance.provider);
            let mut tags = spec.tags.clone();
            tags.extend(self.instance_tags(&instance, &owner_email));
            if let Some(preferred) =
                preferred_types(&instance.instance_type, &spec.fallback_instance_types)
            {
                tags.insert(PREFERRED_TYPES_TAG.to_owned(), preferred);
            }
            let launch = LaunchSpec {
                client_token: job.id.clone(),
                image_id: spec.image.clone(),
                instance_type: instance.instance_type.clone(),
                subnet_id: spec.subnet.clone(),
                security_group_ids: spec.security_groups.clone(),
                key_name: (kind == isched_cloud::ResourceKind::Ec2Instance)
                    .then(|| login_name(&job.id)),
                user_data: spec
                    .user_data
                    .as_deref()
                    .map(|u| render_user_data(u, &owner_email, &instance.name)),
                tags,
            };
            let resource = provider
                .create(&target, &launch)
                .await
                .map_err(|e| from_cloud("launch", e))?;
            let key = resource_key(&resource);
            store
                .set_instance_launched(&instance.id, &resource.id, &key)
                .await?;
            self.remember(&resource, &instance).await?;
            instance.cloud_id = Some(resource.id.clone());
            instance.resource = Some(key);
            self.step(&mut job, worker, "launch", lease).await?;
        }

        let cloud_id = instance.cloud_id.clone().unwrap_or_default();
        if !job.step_done("wait_running") {
            let deadline = self.now() + RUNNING_WITHIN;
            // Most launches run within a second or two: look soon, then less often.
            let mut pause = std::time::Duration::from_millis(100);
            loop {
                let found = provider
                    .discover(&target, &TagFilter::keys(&[TAG_INSTANCE]))
                    .await
                    .map_err(|e| from_cloud("wait_running", e))?
                    .into_iter()
                    .find(|r| r.id == cloud_id);
                match found {
                    Some(r) if r.state == ResourceState::Running => {
                        self.remember(&r, &instance).await?;
                        store.set_instance_host(&instance.id, &r.id).await?;
                        break;
                    }
                    Some(r) if r.state == ResourceState::Terminated => {
                        return Err(Halt::Fail(JobError {
                            code: "terminated".into(),
                            message: "the instance was terminated before it ran".into(),
                        }));
                    }
                    _ if self.now() > deadline => {
                        return Err(Halt::Fail(JobError {
                            code: "not_running".into(),
                            message: format!(
                                "the instance was not running {} minutes after its launch",
                                RUNNING_WITHIN.as_mins()
                            ),
                        }));
                    }
                    _ => {
                        // Keeps the claim alive while waiting.
                        self.write(&job, worker, JobState::Running, None, None, lease)
                            .await?;
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(std::time::Duration::from_secs(2));
                    }
                }
            }
            self.step(&mut job, worker, "wait_running", lease).await?;
        }

        if !job.step_done("tag") {
            let reference = reference_of(&instance, &cloud_id);
            provider
                .set_tags(
                    &target,
                    &reference,
                    &self.instance_tags(&instance, &owner_email),
                )
                .await
                .map_err(|e| from_cloud("tag", e))?;
            self.step(&mut job, worker, "tag", lease).await?;
        }

        if !job.step_done("notify") {
            self.notify_created(&instance, &owner_email).await;
            self.step(&mut job, worker, "notify", lease).await?;
        }

        let now = self.now();
        store
            .set_instance_lifecycle(&instance.id, Lifecycle::Active, now)
            .await?;
        store
            .append_usage_event(&instance, UsageEvent::Created, now)
            .await?;
        let result = json!({ "instance": instance.id, "cloud_id": cloud_id });
        self.write(
            &job,
            worker,
            JobState::Succeeded,
            None,
            Some(&result),
            lease,
        )
        .await?;
        self.changed(
            &Actor::system(),
            "instance.created",
            &format!("instance:{}", instance.id),
            json!({ "job": job.id, "resource": instance.resource }),
            now,
        )
        .await
        .map_err(|e| Halt::Retry(e.to_string()))?;
        Ok(())
    }

    /// The tags isched sets on an instance it made (the template's come first).
    fn instance_tags(&self, instance: &Instance, owner_email: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("Name".to_owned(), instance.name.clone()),
            (self.inner.schedule_tag.clone(), instance.schedule.clone()),
            (TAG_OWNER.to_owned(), owner_email.to_owned()),
            (TAG_INSTANCE.to_owned(), instance.id.clone()),
            (TAG_TEMPLATE.to_owned(), instance.template.clone()),
        ])
    }

    /// Puts what the cloud said about the instance into the inventory, so lists show it
    /// before the next scheduler pass.
    async fn remember(&self, r: &Resource, instance: &Instance) -> Result<(), Halt> {
        let mut item = crate::plan::inventory_item(r, resource_key(r), None);
        item.schedule = Some(instance.schedule.clone());
        item.schedule_source = Some(isched_store::inventory::ScheduleSource::Tag);
        self.inner
            .store
            .update_inventory(&InventoryUpdate {
                at: Some(self.now()),
                targets: Vec::new(),
                items: vec![item],
            })
            .await?;
        Ok(())
    }

    async fn notify_created(&self, instance: &Instance, owner_email: &str) {
        let notifier = &self.inner.notifier;
        let admins = Notice {
            event: "instance_created",
            subject: format!("isched: {owner_email} created instance {}", instance.name),
            paragraphs: vec![format!(
                "{owner_email} created {} ({}, {}) from template {:?}. It follows schedule {:?} and expires at {}.",
                instance.name,
                instance.instance_type,
                instance.cloud_id.as_deref().unwrap_or("?"),
                instance.template,
                instance.schedule,
                instance.expires_at
            )],
            link: None,
            resource: instance.resource.clone(),
            owner: None,
        };
        notifier.send(&admins).await;
        if !owner_email.is_empty() {
            let ready = Notice {
                event: "instance_ready",
                subject: format!("isched: your instance {} is ready", instance.name),
                paragraphs: vec![
                    format!(
                        "Your instance {} ({}) is running. Its login details are shown once, in the job that created it; they are not in this email.",
                        instance.name, instance.instance_type
                    ),
                    format!(
                        "It follows schedule {:?} and expires at {}; you can extend it until then.",
                        instance.schedule, instance.expires_at
                    ),
                ],
                link: None,
                resource: instance.resource.clone(),
                owner: Some(owner_email.to_owned()),
            };
            notifier.send(&ready).await;
        }
    }

    /// Marks `name` done and writes the job; `Lost` when the claim is gone.
    async fn step(
        &self,
        job: &mut Job,
        worker: &str,
        name: &str,
        lease: SignedDuration,
    ) -> Result<(), Halt> {
        let now = self.now();
        if let Some(s) = job.steps.iter_mut().find(|s| s.name == name) {
            s.state = "done".into();
            s.at = Some(now);
        }
        self.write(job, worker, JobState::Running, None, None, lease)
            .await
    }

    async fn write(
        &self,
        job: &Job,
        worker: &str,
        state: JobState,
        error: Option<&JobError>,
        result: Option<&serde_json::Value>,
        lease: SignedDuration,
    ) -> Result<(), Halt> {
        let update = JobUpdate {
            state,
            steps: &job.steps,
            error,
            result,
            now: self.now(),
        };
        if self
            .inner
            .store
            .update_job(&job.id, worker, &update, lease)
            .await?
        {
            Ok(())
        } else {
            Err(Halt::Lost)
        }
    }

    /// Leaves the job for a later attempt, saying why (its claim runs out after `lease`).
    async fn note_retry(
        &self,
        job: &Job,
        worker: &str,
        why: &str,
        lease: SignedDuration,
    ) -> Result<(), isched_store::StoreError> {
        let error = JobError {
            code: "retrying".into(),
            message: why.to_owned(),
        };
        let update = JobUpdate {
            state: JobState::Running,
            steps: &job.steps,
            error: Some(&error),
            result: None,
            now: self.now(),
        };
        self.inner
            .store
            .update_job(&job.id, worker, &update, lease)
            .await
            .map(|_| ())
    }

    /// Undoes what the job made (instance, login) and records the failure.
    async fn fail_job(
        &self,
        job: &Job,
        worker: &str,
        error: JobError,
        lease: SignedDuration,
    ) -> Result<(), isched_store::StoreError> {
        let store = &self.inner.store;
        let now = self.now();
        let mut steps = job.steps.clone();
        if let Some(s) = steps.iter_mut().find(|s| s.state == "pending") {
            s.state = "failed".into();
            s.at = Some(now);
        }
        if let Some(instance) = store
            .instance(job.instance.as_deref().unwrap_or_default())
            .await?
        {
            let target = target_of(&instance);
            if let Some(cloud_id) = &instance.cloud_id {
                let reference = reference_of(&instance, cloud_id);
                if let Err(e) = self.inner.provider.terminate(&target, &reference).await {
                    tracing::warn!(job = %job.id, error = %e, "a failed job's instance could not be terminated");
                }
            }
            if let Err(e) = self
                .inner
                .provider
                .delete_login(&target, &login_name(&job.id))
                .await
            {
                tracing::warn!(job = %job.id, error = %e, "a failed job's key pair could not be deleted");
            }
            store
                .set_instance_lifecycle(&instance.id, Lifecycle::Failed, now)
                .await?;
            let notice = Notice {
                event: "instance_failed",
                subject: format!("isched: instance {} could not be created", instance.name),
                paragraphs: vec![format!("Job {} failed: {}", job.id, error.message)],
                link: None,
                resource: instance.resource.clone(),
                owner: None,
            };
            self.inner.notifier.send(&notice).await;
        }
        // The login of a failed job is never shown.
        store.take_job_secret(&job.id).await?;
        let update = JobUpdate {
            state: JobState::Failed,
            steps: &steps,
            error: Some(&error),
            result: None,
            now,
        };
        store.update_job(&job.id, worker, &update, lease).await?;
        if let Err(e) = self
            .audited(
                &Actor::system(),
                "instance.failed",
                &format!("job:{}", job.id),
                json!({ "error": error.code }),
                now,
            )
            .await
        {
            tracing::warn!(job = %job.id, error = %e, "failure not audited");
        }
        Ok(())
    }
}

/// The preferred-types tag of an instance of `chosen` type: that type first, then the
/// template's fallbacks; none when the template has no fallbacks.
fn preferred_types(chosen: &str, fallbacks: &[String]) -> Option<String> {
    if fallbacks.is_empty() {
        return None;
    }
    let mut types = vec![chosen];
    types.extend(
        fallbacks
            .iter()
            .map(String::as_str)
            .filter(|t| *t != chosen),
    );
    Some(types.join(","))
}

#[cfg(test)]
mod tests {
    use super::preferred_types;

    #[test]
    fn the_chosen_type_comes_first_then_the_fallbacks() {
        let fallbacks = ["m5.large".to_owned(), "t3.large".to_owned()];
        assert_eq!(
            preferred_types("t3.large", &fallbacks).as_deref(),
            Some("t3.large,m5.large")
        );
        assert_eq!(preferred_types("t3.large", &[]), None);
    }
}
