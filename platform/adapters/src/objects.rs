//! The object store: the local filesystem under a directory, or any
//! S3-compatible service (`s3://bucket?endpoint=…&region=…`, keys from
//! `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`), through `object_store`.
//! Writes are multipart uploads, complete or aborted (the filesystem writes
//! a temporary file, renamed at the end).

use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart,
};

/// Why the store did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectError {
    NotFound,
    /// Unreachable or failing.
    Unavailable(String),
}

impl From<object_store::Error> for ObjectError {
    fn from(e: object_store::Error) -> ObjectError {
        match e {
            object_store::Error::NotFound { .. } => ObjectError::NotFound,
            other => ObjectError::Unavailable(other.to_string()),
        }
    }
}

#[derive(Clone)]
pub struct Objects {
    inner: Arc<dyn ObjectStore>,
}

/// An object being written: complete once finished, gone once aborted.
pub struct Upload(WriteMultipart);

impl Upload {
    pub fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    /// Adds a chunk, waiting while too many parts are in flight.
    pub async fn put(&mut self, chunk: Bytes) -> Result<(), ObjectError> {
        self.0.wait_for_capacity(4).await?;
        self.0.put(chunk);
        Ok(())
    }

    pub async fn finish(self) -> Result<(), ObjectError> {
        self.0.finish().await?;
        Ok(())
    }

    pub async fn abort(self) {
        let _ = self.0.abort().await;
    }
}

impl Objects {
    /// `url`: `s3://bucket?endpoint=…&region=…` (any S3 key of object_store
    /// as a query parameter); `None`: the filesystem under `root`.
    pub fn open(url: Option<&url::Url>, root: &FsPath) -> Result<Objects, String> {
        let Some(url) = url else {
            std::fs::create_dir_all(root)
                .map_err(|e| format!("dossier des fichiers {} : {e}", root.display()))?;
            let local = LocalFileSystem::new_with_prefix(root)
                .map_err(|e| format!("dossier des fichiers {} : {e}", root.display()))?;
            return Ok(Objects {
                inner: Arc::new(local),
            });
        };
        if url.scheme() != "s3" {
            return Err(
                "GUICHET_OBJECT_STORE_URL : une URL s3://seau?endpoint=… est attendue".into(),
            );
        }
        let bucket = url
            .host_str()
            .ok_or("GUICHET_OBJECT_STORE_URL : le nom du seau manque (s3://seau)")?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            // Fail fast: an unreachable store is reported, not waited for.
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: Duration::from_secs(10),
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(3))
                    .with_timeout(Duration::from_secs(60)),
            );
        for (k, v) in url.query_pairs() {
            let key: AmazonS3ConfigKey = k
                .parse()
                .map_err(|_| format!("GUICHET_OBJECT_STORE_URL : paramètre inconnu « {k} »"))?;
            if matches!(key, AmazonS3ConfigKey::Endpoint) && v.starts_with("http://") {
                builder = builder.with_allow_http(true);
            }
            builder = builder.with_config(key, v.into_owned());
        }
        let s3 = builder
            .build()
            .map_err(|e| format!("GUICHET_OBJECT_STORE_URL : {e}"))?;
        Ok(Objects {
            inner: Arc::new(s3),
        })
    }

    /// Starts writing the object `key`.
    pub async fn upload(&self, key: &str) -> Result<Upload, ObjectError> {
        let upload = self.inner.put_multipart(&Path::from(key)).await?;
        Ok(Upload(WriteMultipart::new(upload)))
    }

    /// The object's content, as a stream of chunks, and its size.
    pub async fn get(
        &self,
        key: &str,
    ) -> Result<(u64, BoxStream<'static, Result<Bytes, ObjectError>>), ObjectError> {
        let got = self.inner.get(&Path::from(key)).await?;
        let size = got.meta.size;
        Ok((
            size,
            got.into_stream().map(|r| r.map_err(Into::into)).boxed(),
        ))
    }

    /// The keys under `prefix` (all when `None`), stored before `before`
    /// when given.
    pub async fn keys(
        &self,
        prefix: Option<&str>,
        before: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<String>, ObjectError> {
        let prefix = prefix.map(Path::from);
        let keys = self
            .inner
            .list(prefix.as_ref())
            .try_filter(|meta| {
                futures_util::future::ready(before.is_none_or(|b| meta.last_modified < b))
            })
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await?;
        Ok(keys)
    }

    /// Removes an object; removing one already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
