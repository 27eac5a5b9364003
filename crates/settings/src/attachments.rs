//! Where attachments are stored and how large they may be.

use crate::{Secret, SettingsError};
use serde::Deserialize;

/// Object storage, chosen by `url`: `file://<dir>` (the default `file://./data/attachments`),
/// `memory://` (tests), or `s3://<bucket>?endpoint=http://host:port&region=...`.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub url: String,
    /// For S3; empty: the environment's usual sources (AWS_* variables, instance metadata).
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttachmentSettings {
    /// The largest file accepted, in bytes (default 25 MiB).
    pub max_bytes: u64,
    /// Attachments never posted are removed once this old.
    pub orphan_age_secs: u64,
    /// How often the collector removes those and the objects of deleted messages.
    pub gc_interval_secs: u64,
}

impl AttachmentSettings {
    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        if self.max_bytes == 0 {
            return Err(SettingsError::Invalid(
                "attachments.max_bytes must be at least 1".into(),
            ));
        }
        if self.gc_interval_secs == 0 {
            return Err(SettingsError::Invalid(
                "attachments.gc_interval_secs must be at least 1".into(),
            ));
        }
        Ok(())
    }
}
