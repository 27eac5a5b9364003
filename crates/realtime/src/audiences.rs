//! The one port through which the hub learns who a frame is for.

use async_trait::async_trait;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::ports::ConversationRepository;
use palaver_domain::user::UserId;
use std::sync::Arc;

/// Who is in a conversation, and who shares any conversation with a user.
#[async_trait]
pub trait Audiences: Send + Sync {
    /// The conversation's members as they stand (empty if it is gone).
    async fn members(&self, conversation: ConversationId) -> Result<Vec<UserId>, RepositoryError>;

    /// Everyone who shares a conversation with `user`: who hears their presence.
    async fn contacts(&self, user: UserId) -> Result<Vec<UserId>, RepositoryError>;
}

/// [`Audiences`] read from the conversation store.
pub struct RepositoryAudiences(pub Arc<dyn ConversationRepository>);

#[async_trait]
impl Audiences for RepositoryAudiences {
    async fn members(&self, conversation: ConversationId) -> Result<Vec<UserId>, RepositoryError> {
        self.0.member_ids(conversation).await
    }

    async fn contacts(&self, user: UserId) -> Result<Vec<UserId>, RepositoryError> {
        self.0.contact_ids(user).await
    }
}
