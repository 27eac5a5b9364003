use crate::ApplicationError;
use chrono::Duration;
use palaver_domain::attachment::Attachment;
use palaver_domain::conversation::MessageId;
use palaver_domain::ports::{AttachmentRepository, Clock, ObjectStorage};
use std::sync::Arc;

/// Removes attachments that should go, objects first, then rows: those never posted after
/// `orphan_age`, and those of deleted messages (right after the deletion, and again by
/// the periodic run should that fail). A failed object removal is logged and the row kept
/// for the next run.
pub struct CollectAttachments {
    attachments: Arc<dyn AttachmentRepository>,
    storage: Arc<dyn ObjectStorage>,
    clock: Arc<dyn Clock>,
    orphan_age: Duration,
}

/// Attachments removed per periodic run at most; the rest wait for the next.
const PER_RUN: u64 = 500;

impl CollectAttachments {
    pub fn new(
        attachments: Arc<dyn AttachmentRepository>,
        storage: Arc<dyn ObjectStorage>,
        clock: Arc<dyn Clock>,
        orphan_age: Duration,
    ) -> Self {
        Self {
            attachments,
            storage,
            clock,
            orphan_age,
        }
    }

    /// One periodic run; returns how many attachments were removed.
    pub async fn execute(&self) -> Result<usize, ApplicationError> {
        let due = self
            .attachments
            .collectable(self.clock.now() - self.orphan_age, PER_RUN)
            .await?;
        self.remove(due).await
    }

    /// The objects and rows of a message just deleted. Failures are logged: the periodic
    /// run retries them.
    pub async fn purge_message(&self, message: MessageId) {
        let purged = match self.attachments.deleted_of_message(message).await {
            Ok(due) => self.remove(due).await,
            Err(error) => Err(error.into()),
        };
        if let Err(error) = purged {
            tracing::warn!(%error, %message, "removing a deleted message's attachments; the collector will retry");
        }
    }

    async fn remove(&self, due: Vec<Attachment>) -> Result<usize, ApplicationError> {
        let mut gone = Vec::with_capacity(due.len());
        for attachment in due {
            let mut removed = true;
            for key in attachment.object_keys() {
                if let Err(error) = self.storage.delete(&key).await {
                    tracing::warn!(%error, key = key.as_str(), "removing an attachment's object; retried on the next run");
                    removed = false;
                }
            }
            if removed {
                gone.push(attachment.id);
            }
        }
        self.attachments.remove(&gone).await?;
        Ok(gone.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attachments::upload_attachment::tests::attachment_of;
    use crate::test_support::*;
    use palaver_domain::ports::{MockAttachmentRepository, MockObjectStorage, StorageError};

    #[tokio::test]
    async fn objects_go_first_and_a_failed_one_keeps_its_row_for_the_next_run() {
        let ann = user("ann");
        let (kept, removed) = (attachment_of(&ann), attachment_of(&ann));
        let failing_key = kept.storage_key.clone();
        let removed_id = removed.id;
        let mut attachments = MockAttachmentRepository::new();
        let due = vec![kept, removed];
        attachments
            .expect_collectable()
            .withf(|before, limit| *before == now() - Duration::hours(24) && *limit == PER_RUN)
            .returning(move |_, _| Ok(due.clone()));
        attachments
            .expect_remove()
            .withf(move |ids| ids == [removed_id])
            .times(1)
            .returning(|_| Ok(()));
        let mut storage = MockObjectStorage::new();
        storage.expect_delete().times(2).returning(move |key| {
            if *key == failing_key {
                Err(StorageError::Unavailable("down".into()))
            } else {
                Ok(())
            }
        });
        let collect = CollectAttachments::new(
            Arc::new(attachments),
            Arc::new(storage),
            fixed_clock(),
            Duration::hours(24),
        );
        assert_eq!(collect.execute().await.unwrap(), 1);
    }
}
