//! Object storage for attachments, and the inspection of what is uploaded.

use crate::attachment::{ByteRange, ContentType, ObjectKey};
use crate::error::BoxError;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;

/// Bytes as they flow, chunk by chunk, never whole in memory.
pub type ByteStream = BoxStream<'static, Result<Bytes, BoxError>>;

/// What a storage call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object under that key.
    #[error("no such object")]
    NotFound,
    /// The body handed to `put` failed (the upload was cut off or refused while read):
    /// nothing was stored. The source is the body's own error.
    #[error("the body failed: {0}")]
    Body(#[source] BoxError),
    /// The store cannot be reached now; worth retrying later.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] BoxError),
    #[error("storage failure: {0}")]
    Unexpected(#[source] BoxError),
}

/// A flat key-value store of byte objects (file system, memory, S3-compatible).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ObjectStorage: Send + Sync {
    /// Streams `body` into the object `key`, replacing any; returns the bytes written. The
    /// object appears whole or not at all. `Body` if the stream fails (nothing stored).
    async fn put(&self, key: &ObjectKey, body: ByteStream) -> Result<u64, StorageError>;

    /// Streams the object, or only `range` of it (which must lie inside it). `NotFound`.
    async fn get(
        &self,
        key: &ObjectKey,
        range: Option<ByteRange>,
    ) -> Result<ByteStream, StorageError>;

    /// The object's size in bytes. `NotFound`.
    async fn head(&self, key: &ObjectKey) -> Result<u64, StorageError>;

    /// Removes the object; removing one that is not there is not an error.
    async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError>;
}

/// A thumbnail made from an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// The image's own dimensions.
    pub width: u32,
    pub height: u32,
    /// The thumbnail, a PNG at most [`crate::attachment::THUMBNAIL_MAX_SIDE`] on its
    /// longer side.
    pub png: Bytes,
}

/// Looks at uploaded bytes: what they are, and for images their size and a thumbnail.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MediaInspector: Send + Sync {
    /// The content type of a file from its first bytes (up to [`SNIFF_BYTES`]).
    fn sniff(&self, head: &[u8]) -> ContentType;

    /// Dimensions and a thumbnail of a PNG, JPEG, GIF or WebP image; `None` for bytes that
    /// do not decode as one within the decoder's limits (a decompression bomb, a truncated
    /// or lying file): the file is kept without them.
    async fn thumbnail(&self, image: Bytes) -> Option<Thumbnail>;
}

/// How many first bytes [`MediaInspector::sniff`] is given.
pub const SNIFF_BYTES: usize = 8192;
