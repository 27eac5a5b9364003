use crate::ApplicationError;
use crate::conversations::membership;
use crate::page::{DEFAULT_LIMIT, MAX_LIMIT};
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::ConversationId;
use palaver_domain::ports::{ConversationRepository, MessagePage, MessageRepository, SeqWindow};
use std::sync::Arc;

/// A conversation's messages in ascending seq: the newest page, or those before or after a
/// seq. Deleted ones come as tombstones, so seqs stay contiguous for the client.
pub struct ListMessages {
    conversations: Arc<dyn ConversationRepository>,
    messages: Arc<dyn MessageRepository>,
}

impl ListMessages {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        messages: Arc<dyn MessageRepository>,
    ) -> Self {
        Self {
            conversations,
            messages,
        }
    }

    /// `NotFound` for non-members; `Validation` on negative bounds, an empty range, or a
    /// `limit` outside 1 to 200.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        before_seq: Option<i64>,
        after_seq: Option<i64>,
        limit: Option<u64>,
    ) -> Result<MessagePage, ApplicationError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ValidationError::new("limit", format!("must be 1 to {MAX_LIMIT}")).into());
        }
        for (field, bound) in [("before_seq", before_seq), ("after_seq", after_seq)] {
            if bound.is_some_and(|b| b < 0) {
                return Err(ValidationError::new(field, "must not be negative").into());
            }
        }
        let window = match (before_seq, after_seq) {
            (None, None) => SeqWindow::Newest,
            (Some(before), None) => SeqWindow::Before(before),
            (None, Some(after)) => SeqWindow::After(after),
            (Some(before), Some(after)) if after < before => SeqWindow::Between(after, before),
            (Some(_), Some(_)) => {
                return Err(ValidationError::new("after_seq", "must be below before_seq").into());
            }
        };
        membership(self.conversations.as_ref(), id, actor).await?;
        Ok(self.messages.list(id, window, limit).await?)
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
    async fn the_bounds_pick_the_window() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let cases = [
            (None, None, SeqWindow::Newest),
            (Some(9), None, SeqWindow::Before(9)),
            (None, Some(3), SeqWindow::After(3)),
            (Some(9), Some(3), SeqWindow::Between(3, 9)),
        ];
        for (before, after, window) in cases {
            let mut messages = MockMessageRepository::new();
            messages
                .expect_list()
                .withf(move |_, w, limit| *w == window && *limit == 50)
                .times(1)
                .returning(|_, _, _| {
                    Ok(MessagePage {
                        messages: vec![],
                        has_more: false,
                    })
                });
            let list = ListMessages::new(
                Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
                Arc::new(messages),
            );
            list.execute(&actor_for(&ann), group.id, before, after, None)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn strangers_and_odd_bounds_are_refused() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        let list = ListMessages::new(
            Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
            Arc::new(MockMessageRepository::new()),
        );
        assert!(matches!(
            list.execute(&actor_for(&eve), group.id, None, None, None)
                .await,
            Err(ApplicationError::NotFound(_))
        ));
        for (before, after, limit) in [
            (Some(-1), None, None),
            (None, Some(-1), None),
            (Some(3), Some(3), None),
            (None, None, Some(201)),
        ] {
            assert!(matches!(
                list.execute(&actor_for(&ann), group.id, before, after, limit)
                    .await,
                Err(ApplicationError::Validation(_))
            ));
        }
    }
}
