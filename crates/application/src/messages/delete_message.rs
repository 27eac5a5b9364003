use super::message_in_reach;
use crate::ApplicationError;
use crate::attachments::CollectAttachments;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::MessageId;
use palaver_domain::conversation::policy;
use palaver_domain::ports::{Clock, ConversationRepository, MessageRepository};
use std::sync::Arc;

/// The sender, or the conversation's owner or an admin, deletes a message. It stays as a
/// tombstone so seqs stay contiguous; its words are gone.
pub struct DeleteMessage {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
    clock: Arc<dyn Clock>,
    /// Removes a deleted message's attachments once the deletion is committed.
    attachments: Option<Arc<CollectAttachments>>,
}

impl DeleteMessage {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        messages: Arc<dyn MessageRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            conversations,
            messages,
            clock,
            attachments: None,
        }
    }

    /// Removes deleted messages' attachments (objects and rows) right after the deletion.
    pub fn with_attachments(mut self, attachments: Arc<CollectAttachments>) -> Self {
        self.attachments = Some(attachments);
        self
    }

    /// `NotFound("message")` outside the caller's conversations; `Forbidden` for plain
    /// members deleting others' messages. Deleting twice is not an error and logs once.
    pub async fn execute(&self, actor: &Actor, id: MessageId) -> Result<(), ApplicationError> {
        let (message, _, member) = message_in_reach(
            self.messages.as_ref(),
            self.conversations.as_ref(),
            id,
            actor,
        )
        .await?;
        policy::may_delete_message(member.role, message.sender_id == Some(actor.user_id))?;
        if message.is_deleted() {
            return Ok(());
        }
        // The store announces the message.deleted it logs, in seq order.
        let event = self
            .messages
            .delete(id, self.clock.now())
            .await
            .map_err(not_found_as("message"))?;
        if event.is_some()
            && let Some(attachments) = &self.attachments
        {
            attachments.purge_message(id).await;
        }
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
    use palaver_domain::user::User;

    fn messages_holding(found: Message, deletes: usize, logs: bool) -> MockMessageRepository {
        let mut messages = MockMessageRepository::new();
        let stored = found.clone();
        messages
            .expect_find()
            .returning(move |_| Ok(Some(stored.clone())));
        messages
            .expect_delete()
            .times(deletes)
            .returning(move |id, at| {
                Ok(
                    logs.then_some(palaver_domain::conversation::ConversationEvent {
                        conversation_id: found.conversation_id,
                        seq: 12,
                        created_at: at,
                        payload: EventPayload::MessageDeleted { message_id: id },
                    }),
                )
            });
        messages
    }

    #[tokio::test]
    async fn the_sender_and_moderators_delete_with_one_event() {
        let (owner, moderator, ann) = (user("own"), user("mod"), user("ann"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        for who in [&ann, &owner, &moderator] {
            let delete = DeleteMessage::new(
                Arc::new(store_with(
                    &group,
                    &[
                        (&owner, MemberRole::Owner),
                        (&moderator, MemberRole::Admin),
                        (&ann, MemberRole::Member),
                    ],
                )),
                Arc::new(messages_holding(message(&group, &ann, 3), 1, true)),
                fixed_clock(),
            );
            delete
                .execute(&actor_for(who), MessageId::generate())
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn deleting_a_tombstone_or_losing_a_race_logs_nothing() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let tombstone = Message {
            content: None,
            deleted_at: Some(now()),
            ..message(&group, &ann, 3)
        };
        for (stored, deletes) in [(tombstone, 0), (message(&group, &ann, 3), 1)] {
            let delete = DeleteMessage::new(
                Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
                Arc::new(messages_holding(stored, deletes, false)),
                fixed_clock(),
            );
            delete
                .execute(&actor_for(&ann), MessageId::generate())
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn plain_members_and_strangers_are_refused() {
        let (ann, bob, eve) = (user("ann"), user("bob"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        let cases: Vec<(&User, bool)> = vec![(&bob, false), (&eve, true)];
        for (who, not_found) in cases {
            let delete = DeleteMessage::new(
                Arc::new(store_with(
                    &group,
                    &[(&ann, MemberRole::Member), (&bob, MemberRole::Member)],
                )),
                Arc::new(messages_holding(message(&group, &ann, 3), 0, true)),
                fixed_clock(),
            );
            let error = delete
                .execute(&actor_for(who), MessageId::generate())
                .await
                .unwrap_err();
            if not_found {
                assert!(matches!(error, ApplicationError::NotFound("message")));
            } else {
                assert!(matches!(error, ApplicationError::Forbidden(_)));
            }
        }
    }
}
