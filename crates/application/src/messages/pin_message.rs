use crate::ApplicationError;
use crate::conversations::membership;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{ConversationId, MessageId};
use palaver_domain::ports::{Clock, ConversationRepository, MessageRepository};
use std::sync::Arc;

/// Pins or unpins a message of a conversation: `message.pinned` / `message.unpinned`,
/// logged and announced only when something changed.
pub struct PinMessage {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
    clock: Arc<dyn Clock>,
}

impl PinMessage {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        messages: Arc<dyn MessageRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            conversations,
            messages,
            clock,
        }
    }

    /// `NotFound("conversation")` for non-members; `Forbidden` if the policy refuses (a
    /// plain member of a channel); `NotFound("message")` for a message that does not
    /// exist, is deleted, or belongs to another conversation.
    pub async fn execute(
        &self,
        actor: &Actor,
        conversation_id: ConversationId,
        id: MessageId,
        pin: bool,
    ) -> Result<(), ApplicationError> {
        let (conversation, member) =
            membership(self.conversations.as_ref(), conversation_id, actor).await?;
        policy::may_pin(conversation.kind, member.role)?;
        let message = self.messages.find(id).await?;
        if message.is_none_or(|m| m.conversation_id != conversation_id || m.is_deleted()) {
            return Err(ApplicationError::NotFound("message"));
        }
        let now = self.clock.now();
        // The store announces the event it logs, in seq order.
        let result = if pin {
            self.messages.pin(id, actor.user_id, now).await
        } else {
            self.messages.unpin(id, actor.user_id, now).await
        };
        result.map_err(not_found_as("message"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, EventPayload, MemberRole};
    use palaver_domain::ports::MockMessageRepository;

    #[tokio::test]
    async fn pins_follow_the_policy_and_stay_in_their_conversation() {
        let (owner, ann) = (user("own"), user("ann"));
        let channel = conversation(ConversationKind::Channel, Some(&owner));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let roles = [(&owner, MemberRole::Owner), (&ann, MemberRole::Member)];
        // (where, who, the message's conversation, pinned?, expected)
        let cases = [
            (&channel, &owner, &channel, 1, "ok"),
            (&group, &ann, &group, 1, "ok"),
            (&channel, &ann, &channel, 0, "forbidden"),
            (&group, &ann, &channel, 0, "not_found"),
        ];
        for (target, who, home, pins, expected) in cases {
            let stored = message(home, &owner, 3);
            let mut messages = MockMessageRepository::new();
            messages
                .expect_find()
                .returning(move |_| Ok(Some(stored.clone())));
            let logged = target.clone();
            messages
                .expect_pin()
                .times(pins)
                .returning(move |id, user, _| {
                    Ok(Some(event(
                        &logged,
                        11,
                        EventPayload::MessagePinned {
                            message_id: id,
                            user_id: user,
                        },
                    )))
                });
            let pin = PinMessage::new(
                Arc::new(store_with(target, &roles)),
                Arc::new(messages),
                fixed_clock(),
            );
            let result = pin
                .execute(&actor_for(who), target.id, MessageId::generate(), true)
                .await;
            match expected {
                "ok" => assert!(result.is_ok()),
                "forbidden" => assert!(matches!(result, Err(ApplicationError::Forbidden(_)))),
                _ => assert!(matches!(result, Err(ApplicationError::NotFound("message")))),
            }
        }
    }
}
