//! Builds the configured cloud provider, wrapped so that its health is recorded.

use crate::config::{Config, Provider as Kind};
use isched_cloud::aws::{AccountRole, AwsProvider, AwsSettings};
use isched_cloud::sandbox::{SandboxOptions, SandboxProvider};
use isched_cloud::{MonitoredProvider, Provider};
use isched_store::Store;
use std::sync::Arc;

pub async fn build(config: &Config, store: &Store) -> Arc<MonitoredProvider> {
    let inner: Arc<dyn Provider> = match config.provider {
        Kind::Sandbox => Arc::new(SandboxProvider::new(store.clone(), sandbox_options(config))),
        Kind::Aws => Arc::new(AwsProvider::from_env(aws_settings(config)).await),
    };
    Arc::new(MonitoredProvider::new(inner))
}

pub fn sandbox_options(config: &Config) -> SandboxOptions {
    SandboxOptions {
        transition_delay: jiff::SignedDuration::from_secs(config.sandbox.transition_secs as i64),
        throttle_rate: config.sandbox.throttle_rate,
        failure_rate: config.sandbox.failure_rate,
        ..SandboxOptions::default()
    }
}

fn aws_settings(config: &Config) -> AwsSettings {
    AwsSettings {
        regions: config.aws_regions.clone(),
        accounts: config
            .aws_accounts
            .iter()
            .map(|(role_arn, external_id)| AccountRole {
                role_arn: role_arn.clone(),
                external_id: external_id.clone(),
            })
            .collect(),
        batch_size: config.aws_batch_size,
        concurrency_per_target: config.aws_concurrency_per_target,
        max_attempts: config.aws_calls.max_attempts,
        initial_backoff: config.aws_calls.initial_backoff,
        attempt_timeout: config.aws_calls.attempt_timeout,
        operation_timeout: config.aws_calls.call_timeout,
        ..AwsSettings::default()
    }
}
