//! moto's AWS API server on a free loopback port, for tests of the AWS provider.

use crate::python::{ChildGuard, start_reporting, venv_bin};

pub struct Moto {
    /// Pass as `AWS_ENDPOINT_URL`.
    pub endpoint: String,
    _child: ChildGuard,
}

impl Moto {
    /// Starts a fresh moto server; it is stopped when this is dropped.
    pub fn start() -> Moto {
        // Port 0: moto's own server binds one the system picks and logs it.
        let mut command = std::process::Command::new(venv_bin("moto_server"));
        command.args(["-H", "127.0.0.1", "-p", "0"]);
        let (child, port) = start_reporting(
            command,
            false,
            |line| {
                let rest = line.split("Running on http://127.0.0.1:").nth(1)?;
                rest.trim().parse().ok()
            },
            "moto_server",
        );
        Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            _child: child,
        }
    }
}

impl Moto {
    /// An SDK configuration that talks to this moto server with fixed test credentials.
    pub async fn sdk_config(&self, region: &str) -> aws_config::SdkConfig {
        sdk_config_for(&self.endpoint, region).await
    }
}

/// An SDK configuration for any endpoint (moto, or a [`crate::FaultProxy`] in front of it),
/// with fixed test credentials that override whatever the environment holds.
pub async fn sdk_config_for(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    let credentials = aws_credential_types::Credentials::from_keys("testing", "testing", None);
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}

/// Points an `isched` child process at `endpoint` (moto, or a proxy in front of it) with
/// the `aws` provider in `region` and fixed test credentials, whatever the environment holds.
pub fn isched_on_aws(command: &mut std::process::Command, endpoint: &str, region: &str) {
    command
        .env("ISCHED_PROVIDER", "aws")
        .env("ISCHED_AWS_REGIONS", region)
        .env("AWS_REGION", region)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
}
