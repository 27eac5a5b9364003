//! The attachments' rows. Every method answers `Unexpected` when the store fails.

use crate::RepositoryError;
use crate::attachment::{Attachment, AttachmentId};
use crate::conversation::MessageId;
use crate::user::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttachmentRepository: Send + Sync {
    /// Stores a new, not yet posted attachment.
    async fn insert(&self, attachment: &Attachment) -> Result<(), RepositoryError>;

    /// The attachment if `reader` may see it: they uploaded it, or it was posted with a
    /// message, not deleted, of a conversation they belong to. `None` otherwise, and for
    /// deleted ones.
    async fn find_for_reader(
        &self,
        id: AttachmentId,
        reader: UserId,
    ) -> Result<Option<Attachment>, RepositoryError>;

    /// Those of `ids` that exist and are not deleted, in any order.
    async fn find_many(&self, ids: &[AttachmentId]) -> Result<Vec<Attachment>, RepositoryError>;

    /// Attachments whose objects should go: those of deleted messages, and those never
    /// posted created before `unposted_before`; at most `limit`.
    async fn collectable(
        &self,
        unposted_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Attachment>, RepositoryError>;

    /// The attachments of a deleted message whose objects are still to be removed.
    async fn deleted_of_message(
        &self,
        message: MessageId,
    ) -> Result<Vec<Attachment>, RepositoryError>;

    /// Removes the rows (after their objects are gone).
    async fn remove(&self, ids: &[AttachmentId]) -> Result<(), RepositoryError>;
}
