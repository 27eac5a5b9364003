//! Who may see a conversation. A non-member learns nothing, not even that it exists, so
//! every miss is the same `NotFound("conversation")`.

use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{Conversation, ConversationId, Member};
use palaver_domain::ports::ConversationRepository;

/// The conversation and the caller's membership in it; `NotFound` for non-members.
pub(crate) async fn membership(
    conversations: &dyn ConversationRepository,
    id: ConversationId,
    actor: &Actor,
) -> Result<(Conversation, Member), ApplicationError> {
    let member = conversations
        .find_member(id, actor.user_id)
        .await?
        .ok_or(ApplicationError::NotFound("conversation"))?;
    let conversation = conversations
        .find(id)
        .await?
        .ok_or(ApplicationError::NotFound("conversation"))?;
    Ok((conversation, member))
}

/// Like [`membership`], but a global admin may see any conversation (with no membership).
pub(crate) async fn visible(
    conversations: &dyn ConversationRepository,
    id: ConversationId,
    actor: &Actor,
) -> Result<(Conversation, Option<Member>), ApplicationError> {
    let member = conversations.find_member(id, actor.user_id).await?;
    if !policy::may_read(member.as_ref().map(|m| m.role), actor.is_admin()) {
        return Err(ApplicationError::NotFound("conversation"));
    }
    let conversation = conversations
        .find(id)
        .await?
        .ok_or(ApplicationError::NotFound("conversation"))?;
    Ok((conversation, member))
}
