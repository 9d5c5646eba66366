//! Writes objects to S3 (usage exports), with the SDK's standard configuration from the
//! environment. With `AWS_ENDPOINT_URL` set (an S3-compatible store, or moto in tests),
//! buckets are addressed by path, since `BUCKET.host` names do not resolve there.

use super::errors::classify;
use crate::error::CloudError;
use aws_config::BehaviorVersion;
use aws_sdk_s3::primitives::ByteStream;

#[derive(Debug, Clone)]
pub struct ObjectStore {
    client: aws_sdk_s3::Client,
}

impl ObjectStore {
    pub async fn from_env() -> ObjectStore {
        let base = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let path_style = base.endpoint_url().is_some();
        let config = aws_sdk_s3::config::Builder::from(&base)
            .force_path_style(path_style)
            .build();
        ObjectStore {
            client: aws_sdk_s3::Client::from_conf(config),
        }
    }

    /// Stores `body` at `key` in `bucket`, replacing what is there.
    pub async fn put(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), CloudError> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| classify("PutObject", e))?;
        Ok(())
    }
}
