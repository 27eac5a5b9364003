// Temporary copy until the rt-app branch lands; replaced on merge.
use super::access::membership;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::{ConversationRepository, Notifier};
use std::sync::Arc;

pub struct SetTyping {
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
}

impl SetTyping {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            conversations,
            notifier,
        }
    }

    pub async fn execute(
        &self,
        actor: &Actor,
        conversation_id: ConversationId,
        is_typing: bool,
    ) -> Result<(), ApplicationError> {
        membership(self.conversations.as_ref(), conversation_id, actor).await?;
        self.notifier.notify(Notification::Typing {
            conversation_id,
            user_id: actor.user_id,
            is_typing,
        });
        Ok(())
    }
}
