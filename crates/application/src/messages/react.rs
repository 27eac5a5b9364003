use super::message_in_reach;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{EmojiKey, MessageId};
use palaver_domain::ports::{Clock, ConversationRepository, MessageRepository};
use std::sync::Arc;

/// A member adds or removes their emoji on a message: `reaction.added` /
/// `reaction.removed`, logged and announced only when something changed.
pub struct React {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
    clock: Arc<dyn Clock>,
}

impl React {
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

    /// `NotFound("message")` for a missing or deleted message or one outside the caller's
    /// conversations; `Forbidden` if the policy refuses.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: MessageId,
        emoji: &EmojiKey,
        add: bool,
    ) -> Result<(), ApplicationError> {
        let (message, conversation, member) = message_in_reach(
            self.messages.as_ref(),
            self.conversations.as_ref(),
            id,
            actor,
        )
        .await?;
        if message.is_deleted() {
            return Err(ApplicationError::NotFound("message"));
        }
        policy::may_react(conversation.kind, member.role)?;
        let now = self.clock.now();
        // The store announces the event it logs, in seq order.
        let result = if add {
            self.messages.react(id, actor.user_id, emoji, now).await
        } else {
            self.messages.unreact(id, actor.user_id, emoji, now).await
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
    use palaver_domain::conversation::{ConversationKind, EventPayload, MemberRole, Message};
    use palaver_domain::ports::MockMessageRepository;

    fn thumbs() -> EmojiKey {
        EmojiKey::parse("👍").unwrap()
    }

    #[tokio::test]
    async fn a_channel_member_reacts_once_and_a_repeat_is_silent() {
        let (owner, ann) = (user("own"), user("ann"));
        let channel = conversation(ConversationKind::Channel, Some(&owner));
        let stored = message(&channel, &owner, 3);
        let (id, group) = (stored.id, channel.clone());
        for changed in [true, false] {
            let mut messages = MockMessageRepository::new();
            let found = stored.clone();
            messages
                .expect_find()
                .returning(move |_| Ok(Some(found.clone())));
            let group = group.clone();
            let user = ann.id;
            messages
                .expect_react()
                .times(1)
                .returning(move |message, _, emoji, _| {
                    Ok(changed.then(|| {
                        event(
                            &group,
                            11,
                            EventPayload::ReactionAdded {
                                message_id: message,
                                emoji: emoji.clone(),
                                user_id: user,
                            },
                        )
                    }))
                });
            let react = React::new(
                Arc::new(store_with(
                    &channel,
                    &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
                )),
                Arc::new(messages),
                fixed_clock(),
            );
            react
                .execute(&actor_for(&ann), id, &thumbs(), true)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn strangers_and_deleted_messages_are_not_found() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        let deleted = Message {
            content: None,
            deleted_at: Some(now()),
            ..message(&group, &ann, 3)
        };
        for (who, stored) in [(&eve, message(&group, &ann, 3)), (&ann, deleted)] {
            let mut messages = MockMessageRepository::new();
            messages
                .expect_find()
                .returning(move |_| Ok(Some(stored.clone())));
            messages.expect_unreact().never();
            let react = React::new(
                Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
                Arc::new(messages),
                fixed_clock(),
            );
            let error = react
                .execute(&actor_for(who), MessageId::generate(), &thumbs(), false)
                .await
                .unwrap_err();
            assert!(matches!(error, ApplicationError::NotFound("message")));
        }
    }
}
