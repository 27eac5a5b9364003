//! `PALAVER__STORAGE__URL`: which store, where.

use crate::objects::ObjectStoreStorage;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use std::path::PathBuf;
use std::sync::Arc;

/// Where attachments are stored, parsed from the storage URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageLocation {
    /// `file://<path>`: a directory, relative to the working directory unless absolute.
    FileSystem(PathBuf),
    /// `memory://`: gone with the process (tests).
    Memory,
    /// `s3://bucket?endpoint=http://host:port&region=...`: any S3-compatible store.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        region: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StorageLocationError {
    #[error(
        "storage.url must be file://<dir>, memory:// or s3://<bucket>?endpoint=...&region=..., not {0:?}"
    )]
    Invalid(String),
    #[error("storage: {0}")]
    Open(String),
}

impl StorageLocation {
    pub fn parse(raw: &str) -> Result<Self, StorageLocationError> {
        let invalid = || StorageLocationError::Invalid(raw.to_owned());
        if let Some(path) = raw.strip_prefix("file://") {
            if path.is_empty() {
                return Err(invalid());
            }
            return Ok(Self::FileSystem(PathBuf::from(path)));
        }
        if raw == "memory://" || raw == "memory:" {
            return Ok(Self::Memory);
        }
        if raw.starts_with("s3://") {
            let url = url::Url::parse(raw).map_err(|_| invalid())?;
            let bucket = url
                .host_str()
                .filter(|b| !b.is_empty())
                .ok_or_else(invalid)?;
            let mut endpoint = None;
            let mut region = "us-east-1".to_owned();
            for (key, value) in url.query_pairs() {
                match key.as_ref() {
                    "endpoint" => endpoint = Some(value.into_owned()),
                    "region" => region = value.into_owned(),
                    _ => return Err(invalid()),
                }
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                endpoint,
                region,
            });
        }
        Err(invalid())
    }
}

/// Opens the store `url` names. A file-system directory is created if missing. Empty S3
/// credentials fall back to the environment's usual sources (AWS_* variables, instance
/// metadata).
pub fn open(
    url: &str,
    access_key_id: &str,
    secret_access_key: &str,
) -> Result<ObjectStoreStorage, StorageLocationError> {
    let open_error = |e: &dyn std::fmt::Display| StorageLocationError::Open(e.to_string());
    match StorageLocation::parse(url)? {
        StorageLocation::FileSystem(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| open_error(&e))?;
            let store = LocalFileSystem::new_with_prefix(&dir).map_err(|e| open_error(&e))?;
            Ok(ObjectStoreStorage::new(
                Arc::new(store),
                ObjectStoreStorage::SMALL_PARTS,
            ))
        }
        StorageLocation::Memory => Ok(ObjectStoreStorage::new(
            Arc::new(InMemory::new()),
            ObjectStoreStorage::SMALL_PARTS,
        )),
        StorageLocation::S3 {
            bucket,
            endpoint,
            region,
        } => {
            // reqwest is built without a crypto provider of its own: rustls uses ring, as
            // the rest of the workspace does. Already installed is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let mut builder = AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_region(region);
            if let Some(endpoint) = endpoint {
                builder = builder
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(false)
                    .with_endpoint(endpoint);
            }
            if !access_key_id.is_empty() {
                builder = builder
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
            }
            let store = builder.build().map_err(|e| open_error(&e))?;
            // S3 refuses parts under 5 MiB but the last.
            Ok(ObjectStoreStorage::new(
                Arc::new(store),
                ObjectStoreStorage::S3_PARTS,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_store() {
        assert_eq!(
            StorageLocation::parse("file://./data/attachments").unwrap(),
            StorageLocation::FileSystem(PathBuf::from("./data/attachments"))
        );
        assert_eq!(
            StorageLocation::parse("file:///var/lib/palaver").unwrap(),
            StorageLocation::FileSystem(PathBuf::from("/var/lib/palaver"))
        );
        assert_eq!(
            StorageLocation::parse("memory://").unwrap(),
            StorageLocation::Memory
        );
        assert_eq!(
            StorageLocation::parse("s3://media?endpoint=http://127.0.0.1:9000&region=eu-west-1")
                .unwrap(),
            StorageLocation::S3 {
                bucket: "media".into(),
                endpoint: Some("http://127.0.0.1:9000".into()),
                region: "eu-west-1".into(),
            }
        );
        for bad in [
            "",
            "file://",
            "ftp://x",
            "s3://",
            "s3://b?colour=red",
            "data/x",
        ] {
            assert!(StorageLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
