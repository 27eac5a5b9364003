use super::mentions::mentioned_members;
use super::message_in_reach;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{EventPayload, Message, MessageContent, MessageId};
use palaver_domain::ports::{Clock, ConversationRepository, MessageRepository};
use std::sync::Arc;

/// The sender rewrites their message; `edited_at` is set and `message.updated` logged.
pub struct EditMessage {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
    clock: Arc<dyn Clock>,
}

impl EditMessage {
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
    /// conversations; `Forbidden` for anyone but the sender.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: MessageId,
        content: MessageContent,
    ) -> Result<Message, ApplicationError> {
        let (message, _, _) = message_in_reach(
            self.messages.as_ref(),
            self.conversations.as_ref(),
            id,
            actor,
        )
        .await?;
        policy::may_edit_message(message.sender_id == Some(actor.user_id))?;
        if message.is_deleted() {
            return Err(ApplicationError::NotFound("message"));
        }
        let mentions = mentioned_members(
            self.conversations.as_ref(),
            message.conversation_id,
            &content,
        )
        .await?;
        let event = self
            .messages
            .edit(id, &content, &mentions, self.clock.now())
            .await
            .map_err(not_found_as("message"))?;
        let edited = match &event.payload {
            EventPayload::MessageUpdated { message } => message.clone(),
            _ => {
                return Err(ApplicationError::unexpected(
                    "edit logged no message.updated",
                ));
            }
        };
        Ok(edited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{Conversation, ConversationKind, MemberRole};
    use palaver_domain::ports::MockMessageRepository;
    use palaver_domain::user::User;

    fn content() -> MessageContent {
        MessageContent::parse("edited").unwrap()
    }

    fn messages_holding(
        found: Message,
        conversation: &Conversation,
        edits: usize,
    ) -> MockMessageRepository {
        let mut messages = MockMessageRepository::new();
        let stored = found.clone();
        messages
            .expect_find()
            .returning(move |_| Ok(Some(stored.clone())));
        let group = conversation.clone();
        messages
            .expect_edit()
            .withf(|_, c, mentions, at| {
                c.as_str() == "edited" && mentions.is_empty() && *at == now()
            })
            .times(edits)
            .returning(move |_, c, _, at| {
                let edited = Message {
                    content: Some(c.clone()),
                    edited_at: Some(at),
                    ..found.clone()
                };
                Ok(event(
                    &group,
                    12,
                    EventPayload::MessageUpdated { message: edited },
                ))
            });
        messages
    }

    #[tokio::test]
    async fn the_sender_edits_with_one_event() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let edit = EditMessage::new(
            Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
            Arc::new(messages_holding(message(&group, &ann, 3), &group, 1)),
            fixed_clock(),
        );
        let edited = edit
            .execute(&actor_for(&ann), MessageId::generate(), content())
            .await
            .unwrap();
        assert_eq!(edited.edited_at, Some(now()));
    }

    #[tokio::test]
    async fn nobody_else_edits_and_deleted_or_foreign_messages_are_not_found() {
        let (owner, ann, eve) = (user("own"), user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let deleted = Message {
            content: None,
            deleted_at: Some(now()),
            ..message(&group, &ann, 3)
        };
        let cases: Vec<(&User, Message, &str)> = vec![
            (&owner, message(&group, &ann, 3), "forbidden"),
            (&eve, message(&group, &ann, 3), "not_found"),
            (&ann, deleted, "not_found"),
        ];
        for (who, stored, expected) in cases {
            let edit = EditMessage::new(
                Arc::new(store_with(
                    &group,
                    &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
                )),
                Arc::new(messages_holding(stored, &group, 0)),
                fixed_clock(),
            );
            let error = edit
                .execute(&actor_for(who), MessageId::generate(), content())
                .await
                .unwrap_err();
            let matched = match expected {
                "forbidden" => matches!(error, ApplicationError::Forbidden(_)),
                _ => matches!(error, ApplicationError::NotFound("message")),
            };
            assert!(matched, "{expected}: {error:?}");
        }
    }
}
