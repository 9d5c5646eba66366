//! The `sandbox` provider: a simulated cloud whose instances live in isched's database, so
//! they survive restarts. Instances move pending → running and stopping → stopped after a
//! configurable delay (settled when next read), have types with real-looking prices, and
//! the provider can be told to throttle or fail a share of calls, for tests.
//! Everything it shows is labelled `sandbox`.

mod prices;

pub use prices::{PRICES, hourly_price};

use crate::error::{ActionResult, CloudError, ErrorKind};
use crate::model::{
    LaunchSpec, Login, LoginSecret, Resource, ResourceKind, ResourceRef, ResourceState, TagChange,
    TagFilter, Target, sha256_fingerprint,
};
use crate::provider::Provider;
use async_trait::async_trait;
use isched_store::Store;
use isched_store::sandbox::SandboxInstance;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const ACCOUNT: &str = "sandbox";
pub const DEFAULT_REGION: &str = "sandbox-1";

/// Where the sandbox reads the time; tests and `--at` replays substitute their own.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Clone)]
pub struct SandboxOptions {
    /// How long pending and stopping last.
    pub transition_delay: SignedDuration,
    /// Share of API calls answered with a throttling error (0.0–1.0).
    pub throttle_rate: f64,
    /// Share of per-resource actions that fail (0.0–1.0).
    pub failure_rate: f64,
    /// Seed of the fault dice, so a failing test can be replayed.
    pub seed: u64,
    pub clock: Clock,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            transition_delay: SignedDuration::from_secs(2),
            throttle_rate: 0.0,
            failure_rate: 0.0,
            seed: 0,
            clock: Arc::new(Timestamp::now),
        }
    }
}

pub struct SandboxProvider {
    store: Store,
    options: SandboxOptions,
    dice: Mutex<StdRng>,
}

fn store_err(e: isched_store::StoreError) -> CloudError {
    CloudError::new(ErrorKind::Unavailable, format!("sandbox storage: {e}"))
}

fn not_found(id: &str) -> CloudError {
    CloudError {
        kind: ErrorKind::NotFound,
        code: Some("InvalidInstanceID.NotFound".into()),
        message: format!("sandbox instance {id} does not exist"),
    }
}

fn invalid_state(id: &str, state: &str, action: &str) -> CloudError {
    CloudError {
        kind: ErrorKind::InvalidState,
        code: Some("IncorrectInstanceState".into()),
        message: format!("sandbox instance {id} is {state} and cannot be {action}"),
    }
}

/// A new EC2-looking id, marked as the sandbox's.
fn new_id() -> String {
    format!("sbx-{}", &uuid::Uuid::new_v4().simple().to_string()[..17])
}

impl SandboxProvider {
    pub fn new(store: Store, options: SandboxOptions) -> SandboxProvider {
        let dice = Mutex::new(StdRng::seed_from_u64(options.seed));
        SandboxProvider {
            store,
            options,
            dice,
        }
    }

    fn now(&self) -> Timestamp {
        (self.options.clock)()
    }

    fn roll(&self, rate: f64) -> bool {
        rate > 0.0
            && self
                .dice
                .lock()
                .map(|mut r| r.random::<f64>() < rate)
                .unwrap_or(false)
    }

    fn throttle(&self) -> Result<(), CloudError> {
        metrics::counter!("isched_cloud_api_calls_total", "provider" => "sandbox").increment(1);
        if self.roll(self.options.throttle_rate) {
            return Err(CloudError {
                kind: ErrorKind::Throttled,
                code: Some("RequestLimitExceeded".into()),
                message: "sandbox: simulated throttling".into(),
            });
        }
        Ok(())
    }

    /// Creates `count` running instances (`isched sandbox seed`).
    pub async fn seed(
        &self,
        region: &str,
        count: usize,
        instance_type: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<String>, CloudError> {
        if hourly_price(instance_type).is_none() {
            return Err(CloudError::new(
                ErrorKind::Invalid,
                format!("the sandbox has no instance type {instance_type:?}"),
            ));
        }
        let now = self.now();
        let rows: Vec<SandboxInstance> = (0..count)
            .map(|_| SandboxInstance {
                id: new_id(),
                account: ACCOUNT.into(),
                region: region.into(),
                instance_type: instance_type.into(),
                state: "running".into(),
                state_since: now,
                tags: tags.clone(),
                image_id: Some("sbx-ami-default".into()),
                client_token: None,
                created_at: now,
            })
            .collect();
        self.store.sandbox_insert(&rows).await.map_err(store_err)?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Settles pending and stopping instances whose delay has passed, then returns them all.
    async fn settled(&self, target: &Target) -> Result<Vec<SandboxInstance>, CloudError> {
        let mut rows = self
            .store
            .sandbox_list(&target.account, &target.region)
            .await
            .map_err(store_err)?;
        let now = self.now();
        let due = |r: &SandboxInstance| {
            now.duration_since(r.state_since) >= self.options.transition_delay
        };
        for (from, to) in [("pending", "running"), ("stopping", "stopped")] {
            let ids: Vec<String> = rows
                .iter()
                .filter(|r| r.state == from && due(r))
                .map(|r| r.id.clone())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let moved = self
                .store
                .sandbox_transition(&ids, &[from], to, now)
                .await
                .map_err(store_err)?;
            for r in rows.iter_mut().filter(|r| moved.contains(&r.id)) {
                r.state = to.into();
                r.state_since = now;
            }
        }
        Ok(rows)
    }

    fn to_resource(r: SandboxInstance) -> Resource {
        Resource {
            state: ResourceState::from_ec2(&r.state),
            raw_state: r.state,
            id: r.id,
            provider: "sandbox".into(),
            kind: ResourceKind::SandboxInstance,
            account: r.account,
            region: r.region,
            instance_type: Some(r.instance_type),
            tags: r.tags,
            launched_at: Some(r.created_at),
            maintenance_window: None,
        }
    }

    /// Moves each resource from one of `from` to `to`; `ok` states need no move.
    async fn act(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        from: &[&str],
        ok: &[&str],
        to: &str,
        verb: &str,
    ) -> Vec<ActionResult> {
        if let Err(e) = self.throttle() {
            return ActionResult::all_failed(resources, &e);
        }
        let rows = match self.settled(target).await {
            Ok(rows) => rows,
            Err(e) => {
                return ActionResult::all_failed(resources, &e);
            }
        };
        let by_id: BTreeMap<&str, &SandboxInstance> =
            rows.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut results = Vec::with_capacity(resources.len());
        let mut to_move = Vec::new();
        for r in resources {
            let outcome = match by_id.get(r.id.as_str()) {
                None => Err(not_found(&r.id)),
                Some(_) if r.kind != ResourceKind::SandboxInstance => Err(not_found(&r.id)),
                Some(_) if self.roll(self.options.failure_rate) => Err(CloudError::new(
                    ErrorKind::Other,
                    format!("sandbox: simulated failure to {verb} {}", r.id),
                )),
                Some(row) if ok.contains(&row.state.as_str()) => Ok(()),
                Some(row) if from.contains(&row.state.as_str()) => {
                    to_move.push(r.id.clone());
                    Ok(())
                }
                Some(row) => Err(invalid_state(&r.id, &row.state, verb)),
            };
            results.push(ActionResult {
                resource: r.clone(),
                outcome,
            });
        }
        if !to_move.is_empty()
            && let Err(e) = self
                .store
                .sandbox_transition(&to_move, from, to, self.now())
                .await
        {
            let e = store_err(e);
            for res in results
                .iter_mut()
                .filter(|res| to_move.contains(&res.resource.id))
            {
                res.outcome = Err(e.clone());
            }
        }
        results
    }

    async fn existing(&self, resource: &ResourceRef) -> Result<SandboxInstance, CloudError> {
        self.store
            .sandbox_get(&resource.id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| not_found(&resource.id))
    }
}

#[async_trait]
impl Provider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn hourly_price(&self, instance_type: &str) -> Option<f64> {
        prices::hourly_price(instance_type)
    }

    async fn instance_vcpus(
        &self,
        _target: &Target,
        instance_type: &str,
    ) -> Result<Option<u32>, CloudError> {
        Ok(prices::vcpus(instance_type))
    }

    async fn targets(&self) -> Result<Vec<Target>, CloudError> {
        let mut targets: Vec<Target> = self
            .store
            .sandbox_targets()
            .await
            .map_err(store_err)?
            .into_iter()
            .map(|(account, region)| Target { account, region })
            .collect();
        let default = Target {
            account: ACCOUNT.into(),
            region: DEFAULT_REGION.into(),
        };
        if !targets.contains(&default) {
            targets.insert(0, default);
        }
        Ok(targets)
    }

    async fn discover(
        &self,
        target: &Target,
        filter: &TagFilter,
    ) -> Result<Vec<Resource>, CloudError> {
        self.throttle()?;
        Ok(self
            .settled(target)
            .await?
            .into_iter()
            .filter(|r| filter.matches(&r.tags))
            .map(Self::to_resource)
            .collect())
    }

    async fn start(&self, target: &Target, resources: &[ResourceRef]) -> Vec<ActionResult> {
        self.act(
            target,
            resources,
            &["stopped"],
            &["pending", "running"],
            "pending",
            "started",
        )
        .await
    }

    async fn stop(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        _hibernate: bool,
    ) -> Vec<ActionResult> {
        self.act(
            target,
            resources,
            &["pending", "running"],
            &["stopping", "stopped"],
            "stopping",
            "stopped",
        )
        .await
    }

    async fn modify_instance_type(
        &self,
        target: &Target,
        resource: &ResourceRef,
        instance_type: &str,
    ) -> Result<(), CloudError> {
        self.throttle()?;
        if hourly_price(instance_type).is_none() {
            return Err(CloudError {
                kind: ErrorKind::Invalid,
                code: Some("InvalidParameterValue".into()),
                message: format!("the sandbox has no instance type {instance_type:?}"),
            });
        }
        self.settled(target).await?;
        let row = self.existing(resource).await?;
        if row.state != "stopped" {
            return Err(invalid_state(
                &resource.id,
                &row.state,
                "resized (it must be stopped)",
            ));
        }
        self.store
            .sandbox_set_type(&resource.id, instance_type)
            .await
            .map_err(store_err)
    }

    async fn create(&self, target: &Target, spec: &LaunchSpec) -> Result<Resource, CloudError> {
        self.throttle()?;
        if let Some(existing) = self
            .store
            .sandbox_by_client_token(&spec.client_token)
            .await
            .map_err(store_err)?
        {
            return Ok(Self::to_resource(existing));
        }
        if hourly_price(&spec.instance_type).is_none() {
            return Err(CloudError {
                kind: ErrorKind::Invalid,
                code: Some("InvalidParameterValue".into()),
                message: format!("the sandbox has no instance type {:?}", spec.instance_type),
            });
        }
        let now = self.now();
        let row = SandboxInstance {
            id: new_id(),
            account: target.account.clone(),
            region: target.region.clone(),
            instance_type: spec.instance_type.clone(),
            state: "pending".into(),
            state_since: now,
            tags: spec.tags.clone(),
            image_id: Some(spec.image_id.clone()),
            client_token: Some(spec.client_token.clone()),
            created_at: now,
        };
        match self.store.sandbox_insert(std::slice::from_ref(&row)).await {
            Ok(()) => Ok(Self::to_resource(row)),
            // Two creates with one token raced; the other won, return its instance.
            Err(isched_store::StoreError::Conflict(_)) => self
                .store
                .sandbox_by_client_token(&spec.client_token)
                .await
                .map_err(store_err)?
                .map(Self::to_resource)
                .ok_or_else(|| {
                    CloudError::new(
                        ErrorKind::Other,
                        "client token conflict without an instance",
                    )
                }),
            Err(e) => Err(store_err(e)),
        }
    }

    /// A generated password (there is nothing to SSH into): 122 random bits.
    async fn create_login(&self, _target: &Target, _name: &str) -> Result<Login, CloudError> {
        self.throttle()?;
        let password = uuid::Uuid::new_v4().simple().to_string();
        Ok(Login {
            username: "isched".into(),
            fingerprint: sha256_fingerprint(password.as_bytes()),
            secret: LoginSecret::Password(password.into()),
            key_name: None,
        })
    }

    async fn delete_login(&self, _target: &Target, _name: &str) -> Result<(), CloudError> {
        Ok(())
    }

    async fn terminate(&self, _target: &Target, resource: &ResourceRef) -> Result<(), CloudError> {
        self.throttle()?;
        self.existing(resource).await?;
        self.store
            .sandbox_transition(
                std::slice::from_ref(&resource.id),
                &["pending", "running", "stopping", "stopped"],
                "terminated",
                self.now(),
            )
            .await
            .map_err(store_err)?;
        Ok(())
    }

    async fn retag(
        &self,
        _target: &Target,
        resources: &[ResourceRef],
        change: &TagChange,
    ) -> Result<(), CloudError> {
        // One call, as EC2's CreateTags, however many resources it names.
        self.throttle()?;
        for resource in resources {
            let mut row = self.existing(resource).await?;
            change.apply(&mut row.tags);
            self.store
                .sandbox_set_tags(&resource.id, &row.tags)
                .await
                .map_err(store_err)?;
        }
        Ok(())
    }
}
