//! Object storage for attachments behind the domain's [`ObjectStorage`] port, on the
//! `object_store` crate: the local file system, memory (tests) or any S3-compatible store,
//! chosen by a URL. Also the [`MediaInspector`]: content sniffing and thumbnails.
//!
//! [`ObjectStorage`]: palaver_domain::ports::ObjectStorage
//! [`MediaInspector`]: palaver_domain::ports::MediaInspector

mod location;
mod media;
mod objects;

pub use location::{StorageLocation, StorageLocationError, open};
pub use media::ImageMedia;
pub use objects::ObjectStoreStorage;
