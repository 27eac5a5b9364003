use crate::ApplicationError;
use crate::conversations::visible;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Pin};
use palaver_domain::ports::{ConversationRepository, MessageRepository};
use std::sync::Arc;

/// A conversation's pinned messages, newest pin first, for whoever may read it.
pub struct ListPins {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
}

impl ListPins {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        messages: Arc<dyn MessageRepository>,
    ) -> Self {
        Self {
            conversations,
            messages,
        }
    }

    /// `NotFound("conversation")` for those who may not read it.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> Result<Vec<Pin>, ApplicationError> {
        visible(self.conversations.as_ref(), id, actor).await?;
        Ok(self.messages.pins(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::ports::MockMessageRepository;

    #[tokio::test]
    async fn members_list_pins_and_strangers_learn_nothing() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        for (who, reads) in [(&ann, 1), (&eve, 0)] {
            let mut messages = MockMessageRepository::new();
            messages
                .expect_pins()
                .times(reads)
                .returning(|_| Ok(Vec::new()));
            let list = ListPins::new(
                Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
                Arc::new(messages),
            );
            let result = list.execute(&actor_for(who), group.id).await;
            assert_eq!(result.is_ok(), reads == 1);
        }
    }
}
