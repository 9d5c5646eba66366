//! The `aws` provider, through the official AWS SDK for Rust. It reads the SDK's standard
//! environment (`AWS_REGION`, `AWS_ENDPOINT_URL`, the credential chain), manages the regions
//! it is given in its own account and in other accounts through STS AssumeRole, and leaves
//! retries (standard mode: backoff with jitter on throttling and 5xx) to the SDK.

mod asg;
mod call_counter;
pub mod dynamodb;
mod ec2;
mod errors;
mod rds;
pub mod s3;
mod ssm;

pub use asg::SIZES_TAG as ASG_SIZES_TAG;
pub use call_counter::CallCounter;

use crate::error::{ActionResult, CloudError, ErrorKind};
use crate::model::{
    LaunchSpec, Login, MaintenanceWindow, Resource, ResourceKind, ResourceRef, TagChange,
    TagFilter, Target,
};
use crate::provider::Provider;
use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::SharedCredentialsProvider;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell, Semaphore};

/// Another account, reached by assuming a role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRole {
    pub role_arn: String,
    pub external_id: Option<String>,
}

impl AccountRole {
    /// The account id inside `arn:aws:iam::ACCOUNT:role/NAME`.
    pub fn account_id(&self) -> Option<&str> {
        self.role_arn.split(':').nth(4).filter(|a| !a.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// Regions to manage; empty means the SDK's default region only.
    pub regions: Vec<String>,
    /// Other accounts; the provider's own account is always managed too.
    pub accounts: Vec<AccountRole>,
    /// Instances per StartInstances/StopInstances call.
    pub batch_size: usize,
    /// Calls in flight at once against one account and region.
    pub concurrency_per_target: usize,
    /// Attempts per call, the first included (SDK standard retry mode).
    pub max_attempts: u32,
    /// First retry delay; later ones grow exponentially, with jitter (the SDK's own).
    pub initial_backoff: Duration,
    /// One attempt; a hung attempt is given up and retried (a hung connection would
    /// otherwise hold the pass for the whole operation timeout).
    pub attempt_timeout: Duration,
    /// One call, every attempt and backoff included.
    pub operation_timeout: Duration,
    /// Results per DescribeInstances page (5-1000); larger pages mean fewer calls.
    pub page_size: i32,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            regions: Vec::new(),
            accounts: Vec::new(),
            batch_size: 1000,
            concurrency_per_target: 4,
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(20),
            operation_timeout: Duration::from_secs(60),
            page_size: 1000,
        }
    }
}

struct TargetClients {
    ec2: aws_sdk_ec2::Client,
    rds: aws_sdk_rds::Client,
    asg: aws_sdk_autoscaling::Client,
    ssm: aws_sdk_ssm::Client,
    limit: Semaphore,
}

pub struct AwsProvider {
    base: SdkConfig,
    settings: AwsSettings,
    counter: CallCounter,
    own_account: OnceCell<String>,
    clients: Mutex<HashMap<Target, Arc<TargetClients>>>,
    role_credentials: Mutex<HashMap<String, SharedCredentialsProvider>>,
}

impl AwsProvider {
    /// Loads the SDK's standard configuration from the environment.
    pub async fn from_env(settings: AwsSettings) -> AwsProvider {
        let base = aws_config::defaults(BehaviorVersion::latest()).load().await;
        AwsProvider::new(base, settings)
    }

    /// Uses the given SDK configuration (tests pass moto's endpoint and fixed credentials).
    pub fn new(base: SdkConfig, settings: AwsSettings) -> AwsProvider {
        let base = base
            .into_builder()
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(settings.max_attempts.max(1))
                    .with_initial_backoff(settings.initial_backoff),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(settings.attempt_timeout)
                    .operation_timeout(settings.operation_timeout)
                    .build(),
            )
            .build();
        AwsProvider {
            base,
            settings,
            counter: CallCounter::default(),
            own_account: OnceCell::new(),
            clients: Mutex::new(HashMap::new()),
            role_credentials: Mutex::new(HashMap::new()),
        }
    }

    /// Every HTTP attempt made so far (retries included).
    pub fn api_calls(&self) -> u64 {
        self.counter.total()
    }

    fn regions(&self) -> Vec<String> {
        if self.settings.regions.is_empty() {
            self.base
                .region()
                .map(|r| vec![r.to_string()])
                .unwrap_or_default()
        } else {
            self.settings.regions.clone()
        }
    }

    async fn own_account(&self) -> Result<String, CloudError> {
        self.own_account
            .get_or_try_init(|| async {
                let sts = aws_sdk_sts::Client::new(&self.base);
                let who = sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| errors::classify("GetCallerIdentity", e))?;
                who.account().map(str::to_owned).ok_or_else(|| {
                    CloudError::new(ErrorKind::Other, "GetCallerIdentity returned no account")
                })
            })
            .await
            .cloned()
    }

    /// Credentials for a role account: the SDK's assume-role provider, which caches the
    /// session and refreshes it before it expires.
    async fn credentials_for(
        &self,
        account: &str,
    ) -> Result<Option<SharedCredentialsProvider>, CloudError> {
        if account == self.own_account().await? {
            return Ok(None);
        }
        let role = self
            .settings
            .accounts
            .iter()
            .find(|r| r.account_id() == Some(account))
            .ok_or_else(|| {
                CloudError::new(
                    ErrorKind::Unauthorized,
                    format!("no role configured for account {account}"),
                )
            })?;
        let mut cache = self.role_credentials.lock().await;
        if let Some(c) = cache.get(account) {
            return Ok(Some(c.clone()));
        }
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
            .session_name("isched")
            .configure(&self.base);
        if let Some(id) = &role.external_id {
            builder = builder.external_id(id);
        }
        let provider = SharedCredentialsProvider::new(builder.build().await);
        cache.insert(account.to_owned(), provider.clone());
        Ok(Some(provider))
    }

    async fn clients(&self, target: &Target) -> Result<Arc<TargetClients>, CloudError> {
        if let Some(c) = self.clients.lock().await.get(target) {
            return Ok(c.clone());
        }
        let credentials = self.credentials_for(&target.account).await?;
        let region = Region::new(target.region.clone());
        let mut ec2 = aws_sdk_ec2::config::Builder::from(&self.base)
            .region(region.clone())
            .interceptor(self.counter.clone());
        let mut rds = aws_sdk_rds::config::Builder::from(&self.base)
            .region(region.clone())
            .interceptor(self.counter.clone());
        let mut asg = aws_sdk_autoscaling::config::Builder::from(&self.base)
            .region(region.clone())
            .interceptor(self.counter.clone());
        let mut ssm = aws_sdk_ssm::config::Builder::from(&self.base)
            .region(region)
            .interceptor(self.counter.clone());
        if let Some(c) = credentials {
            ec2 = ec2.credentials_provider(c.clone());
            rds = rds.credentials_provider(c.clone());
            asg = asg.credentials_provider(c.clone());
            ssm = ssm.credentials_provider(c);
        }
        let clients = Arc::new(TargetClients {
            ec2: aws_sdk_ec2::Client::from_conf(ec2.build()),
            rds: aws_sdk_rds::Client::from_conf(rds.build()),
            asg: aws_sdk_autoscaling::Client::from_conf(asg.build()),
            ssm: aws_sdk_ssm::Client::from_conf(ssm.build()),
            limit: Semaphore::new(self.settings.concurrency_per_target.max(1)),
        });
        self.clients
            .lock()
            .await
            .insert(target.clone(), clients.clone());
        Ok(clients)
    }

    async fn power(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        start: bool,
        hibernate: bool,
    ) -> Vec<ActionResult> {
        let clients = match self.clients(target).await {
            Ok(c) => c,
            Err(e) => {
                return ActionResult::all_failed(resources, &e);
            }
        };
        let ec2_ids: Vec<String> = resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Ec2Instance)
            .map(|r| r.id.clone())
            .collect();
        let mut ec2_results = if ec2_ids.is_empty() {
            BTreeMap::new()
        } else {
            let _permit = clients.limit.acquire().await;
            let power = if start {
                ec2::Power::Start
            } else {
                ec2::Power::Stop { hibernate }
            };
            ec2::power(&clients.ec2, &ec2_ids, self.settings.batch_size, power).await
        };
        let rds_calls = resources
            .iter()
            .filter(|r| r.kind != ResourceKind::Ec2Instance)
            .map(|r| {
                let clients = clients.clone();
                async move {
                    let _permit = clients.limit.acquire().await;
                    let outcome = match (r.kind, start) {
                        (ResourceKind::RdsInstance, true) => {
                            rds::start_instance(&clients.rds, &r.id).await
                        }
                        (ResourceKind::RdsInstance, false) => {
                            rds::stop_instance(&clients.rds, &r.id).await
                        }
                        (ResourceKind::RdsCluster, true) => {
                            rds::start_cluster(&clients.rds, &r.id).await
                        }
                        (ResourceKind::RdsCluster, false) => {
                            rds::stop_cluster(&clients.rds, &r.id).await
                        }
                        (ResourceKind::AutoScalingGroup, true) => {
                            asg::start(&clients.asg, &r.id).await
                        }
                        (ResourceKind::AutoScalingGroup, false) => {
                            asg::stop(&clients.asg, &r.id).await
                        }
                        _ => Err(CloudError::new(
                            ErrorKind::Invalid,
                            format!("the aws provider has no {} resources", r.kind.as_str()),
                        )),
                    };
                    (r.id.clone(), outcome)
                }
            });
        let rds_results: BTreeMap<String, Result<(), CloudError>> =
            futures_util::future::join_all(rds_calls)
                .await
                .into_iter()
                .collect();
        resources
            .iter()
            .map(|r| {
                let outcome = if r.kind == ResourceKind::Ec2Instance {
                    ec2_results.remove(&r.id)
                } else {
                    rds_results.get(&r.id).cloned()
                };
                ActionResult {
                    resource: r.clone(),
                    outcome: outcome
                        .unwrap_or_else(|| Err(CloudError::new(ErrorKind::Other, "no result"))),
                }
            })
            .collect()
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    async fn targets(&self) -> Result<Vec<Target>, CloudError> {
        let mut accounts = vec![self.own_account().await?];
        accounts.extend(
            self.settings
                .accounts
                .iter()
                .filter_map(|r| r.account_id().map(str::to_owned)),
        );
        accounts.dedup();
        let regions = self.regions();
        if regions.is_empty() {
            return Err(CloudError::new(
                ErrorKind::Invalid,
                "no AWS region: set ISCHED_AWS_REGIONS or AWS_REGION",
            ));
        }
        Ok(accounts
            .iter()
            .flat_map(|a| {
                regions.iter().map(move |r| Target {
                    account: a.clone(),
                    region: r.clone(),
                })
            })
            .collect())
    }

    async fn discover(
        &self,
        target: &Target,
        filter: &TagFilter,
    ) -> Result<Vec<Resource>, CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        let (instances, databases, groups) = tokio::join!(
            ec2::discover(
                &clients.ec2,
                target,
                filter,
                self.settings.page_size.clamp(5, 1000)
            ),
            rds::discover(&clients.rds, target, filter),
            asg::discover(&clients.asg, target, filter)
        );
        let mut all = instances?;
        all.extend(databases?);
        all.extend(groups?);
        Ok(all)
    }

    async fn maintenance_windows(
        &self,
        target: &Target,
    ) -> Result<Vec<MaintenanceWindow>, CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        ssm::windows(&clients.ssm).await
    }

    async fn start(&self, target: &Target, resources: &[ResourceRef]) -> Vec<ActionResult> {
        self.power(target, resources, true, false).await
    }

    async fn stop(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        hibernate: bool,
    ) -> Vec<ActionResult> {
        self.power(target, resources, false, hibernate).await
    }

    async fn modify_instance_type(
        &self,
        target: &Target,
        resource: &ResourceRef,
        instance_type: &str,
    ) -> Result<(), CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        match resource.kind {
            ResourceKind::Ec2Instance => {
                ec2::modify_type(&clients.ec2, &resource.id, instance_type).await
            }
            ResourceKind::RdsInstance => {
                rds::modify_class(&clients.rds, &resource.id, instance_type).await
            }
            other => Err(CloudError::new(
                ErrorKind::Invalid,
                format!("cannot change the type of a {}", other.as_str()),
            )),
        }
    }

    async fn create(&self, target: &Target, spec: &LaunchSpec) -> Result<Resource, CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        ec2::create(&clients.ec2, target, spec).await
    }

    async fn terminate(&self, target: &Target, resource: &ResourceRef) -> Result<(), CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        match resource.kind {
            ResourceKind::Ec2Instance => ec2::terminate(&clients.ec2, &resource.id).await,
            other => Err(CloudError::new(
                ErrorKind::Invalid,
                format!("isched does not terminate {} resources", other.as_str()),
            )),
        }
    }

    async fn instance_vcpus(
        &self,
        target: &Target,
        instance_type: &str,
    ) -> Result<Option<u32>, CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        ec2::instance_vcpus(&clients.ec2, instance_type).await
    }

    async fn create_login(&self, target: &Target, name: &str) -> Result<Login, CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        ec2::create_key_pair(&clients.ec2, name).await
    }

    async fn delete_login(&self, target: &Target, name: &str) -> Result<(), CloudError> {
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        ec2::delete_key_pair(&clients.ec2, name).await
    }

    async fn retag(
        &self,
        target: &Target,
        resources: &[ResourceRef],
        change: &TagChange,
    ) -> Result<(), CloudError> {
        if change.is_empty() {
            return Ok(());
        }
        let clients = self.clients(target).await?;
        let _permit = clients.limit.acquire().await;
        let mut instances = Vec::new();
        let mut groups = Vec::new();
        for r in resources {
            match r.kind {
                ResourceKind::Ec2Instance => instances.push(r.id.clone()),
                ResourceKind::AutoScalingGroup => groups.push(r.id.clone()),
                ResourceKind::RdsInstance | ResourceKind::RdsCluster => {
                    rds::retag(&clients.rds, &rds_arn(target, r), change).await?
                }
                ResourceKind::SandboxInstance => {
                    return Err(CloudError::new(ErrorKind::Invalid, "not an AWS resource"));
                }
            }
        }
        asg::retag(&clients.asg, &groups, change).await?;
        ec2::retag(&clients.ec2, &instances, self.settings.batch_size, change).await
    }
}

/// RDS tags resources by ARN.
fn rds_arn(target: &Target, r: &ResourceRef) -> String {
    let kind = if r.kind == ResourceKind::RdsInstance {
        "db"
    } else {
        "cluster"
    };
    format!(
        "arn:aws:rds:{}:{}:{kind}:{}",
        target.region, target.account, r.id
    )
}
