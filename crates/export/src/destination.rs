//! Where exports go: a local directory or an S3 prefix.

use isched_cloud::aws::s3::ObjectStore;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Destination {
    Dir(PathBuf),
    S3 {
        store: ObjectStore,
        bucket: String,
        /// Empty, or ending in `/`.
        prefix: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error("{0:?} is not a directory or s3://BUCKET/PREFIX")]
    Invalid(String),
    #[error("writing {path}: {message}")]
    Write { path: String, message: String },
}

impl Destination {
    /// `s3://BUCKET[/PREFIX]` (S3 through the SDK's standard configuration), else a
    /// directory, created when missing.
    pub async fn parse(text: &str) -> Result<Destination, DestinationError> {
        match text.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(DestinationError::Invalid(text.to_owned()));
                }
                let prefix = prefix.trim_matches('/');
                Ok(Destination::S3 {
                    store: ObjectStore::from_env().await,
                    bucket: bucket.to_owned(),
                    prefix: if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix}/")
                    },
                })
            }
            None if text.trim().is_empty() => Err(DestinationError::Invalid(text.to_owned())),
            None => Ok(Destination::Dir(PathBuf::from(text))),
        }
    }

    /// Writes one file (`key` is a relative path with `/`), replacing it.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), DestinationError> {
        match self {
            Destination::Dir(dir) => {
                let path = dir.join(key);
                let failed = |e: std::io::Error| DestinationError::Write {
                    path: path.display().to_string(),
                    message: e.to_string(),
                };
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await.map_err(failed)?;
                }
                // Written beside and renamed, so a reader never sees half a file.
                let partial = path.with_extension("parquet.partial");
                tokio::fs::write(&partial, bytes).await.map_err(failed)?;
                tokio::fs::rename(&partial, &path).await.map_err(failed)
            }
            Destination::S3 {
                store,
                bucket,
                prefix,
            } => {
                let key = format!("{prefix}{key}");
                store
                    .put(bucket, &key, bytes)
                    .await
                    .map_err(|e| DestinationError::Write {
                        path: format!("s3://{bucket}/{key}"),
                        message: e.to_string(),
                    })
            }
        }
    }
}
