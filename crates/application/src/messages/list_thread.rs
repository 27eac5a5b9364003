use super::message_in_reach;
use crate::ApplicationError;
use crate::page::{DEFAULT_LIMIT, MAX_LIMIT};
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{MessageId, thread_root_of};
use palaver_domain::ports::{ConversationRepository, MessagePage, MessageRepository};
use std::sync::Arc;

/// The replies of a thread in seq order. Asked about a reply, it answers with the thread
/// the reply is in.
pub struct ListThread {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
}

impl ListThread {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        messages: Arc<dyn MessageRepository>,
    ) -> Self {
        Self {
            conversations,
            messages,
        }
    }

    /// `NotFound("message")` outside the caller's conversations; `Validation` on a
    /// negative `after_seq` or a `limit` outside 1 to 200.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: MessageId,
        after_seq: Option<i64>,
        limit: Option<u64>,
    ) -> Result<MessagePage, ApplicationError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ValidationError::new("limit", format!("must be 1 to {MAX_LIMIT}")).into());
        }
        let after_seq = after_seq.unwrap_or(0);
        if after_seq < 0 {
            return Err(ValidationError::new("after_seq", "must not be negative").into());
        }
        let (message, _, _) = message_in_reach(
            self.messages.as_ref(),
            self.conversations.as_ref(),
            id,
            actor,
        )
        .await?;
        Ok(self
            .messages
            .thread(thread_root_of(&message), after_seq, limit)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole, Message};
    use palaver_domain::ports::MockMessageRepository;

    #[tokio::test]
    async fn a_reply_answers_with_its_roots_thread() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let root = message(&group, &ann, 2);
        let reply = Message {
            thread_root_id: Some(root.id),
            ..message(&group, &ann, 3)
        };
        let root_id = root.id;
        for asked in [root, reply] {
            let mut messages = MockMessageRepository::new();
            messages
                .expect_find()
                .returning(move |_| Ok(Some(asked.clone())));
            messages
                .expect_thread()
                .withf(move |id, after, limit| *id == root_id && *after == 0 && *limit == 50)
                .times(1)
                .returning(|_, _, _| {
                    Ok(MessagePage {
                        messages: Vec::new(),
                        has_more: false,
                    })
                });
            let list = ListThread::new(
                Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
                Arc::new(messages),
            );
            list.execute(&actor_for(&ann), MessageId::generate(), None, None)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn bad_bounds_are_refused_before_any_read() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let list = ListThread::new(
            Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
            Arc::new(MockMessageRepository::new()),
        );
        for (after, limit, field) in [(Some(-1), None, "after_seq"), (None, Some(0), "limit")] {
            let error = list
                .execute(&actor_for(&ann), MessageId::generate(), after, limit)
                .await
                .unwrap_err();
            assert!(matches!(error, ApplicationError::Validation(e) if e.field == field));
        }
    }
}
