//! The attachments' adapters (object storage, the media inspector, the rows) and their
//! collector, which runs periodically.

use anyhow::Context;
use palaver_application::attachments::{
    CollectAttachments, GetAttachment, OpenAttachment, UploadAttachment,
};
use palaver_domain::ports::{AttachmentRepository, Clock, MediaInspector, ObjectStorage};
use palaver_persistence::{Database, SqlAttachmentRepository};
use palaver_settings::Settings;
use std::sync::Arc;

pub struct AttachmentComponents {
    pub repository: Arc<dyn AttachmentRepository>,
    pub upload: Arc<UploadAttachment>,
    pub get: Arc<GetAttachment>,
    pub open: Arc<OpenAttachment>,
    pub collect: Arc<CollectAttachments>,
}

pub fn build(
    settings: &Settings,
    database: &Database,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AttachmentComponents> {
    let storage_settings = &settings.storage;
    let storage: Arc<dyn ObjectStorage> = Arc::new(
        palaver_storage::open(
            &storage_settings.url,
            &storage_settings.access_key_id,
            storage_settings.secret_access_key.expose(),
        )
        .context("opening attachment storage")?,
    );
    let media: Arc<dyn MediaInspector> = Arc::new(palaver_storage::ImageMedia);
    let repository: Arc<dyn AttachmentRepository> =
        Arc::new(SqlAttachmentRepository::new(database));
    let limits = &settings.attachments;
    let orphan_age =
        chrono::Duration::seconds(i64::try_from(limits.orphan_age_secs).unwrap_or(i64::MAX / 1000));
    Ok(AttachmentComponents {
        upload: Arc::new(UploadAttachment::new(
            repository.clone(),
            storage.clone(),
            media,
            clock.clone(),
            limits.max_bytes,
        )),
        get: Arc::new(GetAttachment::new(repository.clone())),
        open: Arc::new(OpenAttachment::new(repository.clone(), storage.clone())),
        collect: Arc::new(CollectAttachments::new(
            repository.clone(),
            storage,
            clock,
            orphan_age,
        )),
        repository,
    })
}

/// Runs the collector now and then every `interval`; several nodes doing the same is
/// harmless (removing what is gone already is not an error). Failures are logged.
pub fn collect_periodically(
    collect: Arc<CollectAttachments>,
    interval: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match collect.execute().await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "attachments collected"),
                Err(error) => tracing::warn!(%error, "collecting attachments failed"),
            }
        }
    })
}
