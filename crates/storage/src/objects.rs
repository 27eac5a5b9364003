//! The [`ObjectStorage`] port over any `object_store` backend.

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use palaver_domain::attachment::{ByteRange, ObjectKey};
use palaver_domain::ports::{ByteStream, ObjectStorage, StorageError};
use std::sync::Arc;

/// Uploads go in parts of `part_size` bytes, at most [`PARTS_IN_FLIGHT`] at once: that,
/// not the object's size, bounds the memory an upload takes.
#[derive(Clone)]
pub struct ObjectStoreStorage {
    store: Arc<dyn ObjectStore>,
    part_size: usize,
}

/// Parts being written at once during one upload.
const PARTS_IN_FLIGHT: usize = 2;

impl ObjectStoreStorage {
    /// Parts for stores without a minimum (file system, memory).
    pub const SMALL_PARTS: usize = 1024 * 1024;
    /// S3's smallest part but the last.
    pub const S3_PARTS: usize = 5 * 1024 * 1024;

    pub fn new(store: Arc<dyn ObjectStore>, part_size: usize) -> Self {
        Self { store, part_size }
    }
}

fn path(key: &ObjectKey) -> Path {
    Path::from(key.as_str())
}

fn map_error(error: object_store::Error) -> StorageError {
    match error {
        object_store::Error::NotFound { .. } => StorageError::NotFound,
        // What the backend itself reported (I/O, HTTP, the service): worth retrying.
        object_store::Error::Generic { .. } => StorageError::Unavailable(Box::new(error)),
        other => StorageError::Unexpected(Box::new(other)),
    }
}

#[async_trait]
impl ObjectStorage for ObjectStoreStorage {
    async fn put(&self, key: &ObjectKey, mut body: ByteStream) -> Result<u64, StorageError> {
        let upload = self
            .store
            .put_multipart(&path(key))
            .await
            .map_err(map_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut written = 0u64;
        loop {
            let chunk = match body.next().await {
                None => break,
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => {
                    if let Err(abort) = writer.abort().await {
                        tracing::warn!(error = %abort, key = key.as_str(), "aborting an upload");
                    }
                    return Err(StorageError::Body(error));
                }
            };
            if let Err(error) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                return Err(map_error(error));
            }
            written += chunk.len() as u64;
            writer.put(chunk);
        }
        writer.finish().await.map_err(map_error)?;
        Ok(written)
    }

    async fn get(
        &self,
        key: &ObjectKey,
        range: Option<ByteRange>,
    ) -> Result<ByteStream, StorageError> {
        let options = GetOptions {
            range: range.map(|r| GetRange::Bounded(r.start..r.end + 1)),
            ..GetOptions::default()
        };
        let found = self
            .store
            .get_opts(&path(key), options)
            .await
            .map_err(map_error)?;
        Ok(found
            .into_stream()
            .map_err(|e| Box::new(e) as palaver_domain::error::BoxError)
            .boxed())
    }

    async fn head(&self, key: &ObjectKey) -> Result<u64, StorageError> {
        let meta = self.store.head(&path(key)).await.map_err(map_error)?;
        Ok(meta.size)
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match self.store.delete(&path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(map_error(error)),
        }
    }
}
