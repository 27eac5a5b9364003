use super::access::membership;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::{ConversationRepository, Notifier};
use std::sync::Arc;

/// Moves the caller's delivery marker forward (never back): their devices have received
/// everything up to `seq`. Mirrors [`super::MarkRead`].
pub struct MarkDelivered {
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
}

impl MarkDelivered {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            conversations,
            notifier,
        }
    }

    /// `NotFound` for non-members; `Validation` on `seq` beyond the last event or negative.
    /// Only a marker that actually moved is announced.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        seq: i64,
    ) -> Result<(), ApplicationError> {
        let (conversation, member) = membership(self.conversations.as_ref(), id, actor).await?;
        if seq < 0 || seq > conversation.last_seq {
            return Err(ValidationError::new(
                "seq",
                format!(
                    "must be 0 to {}, the conversation's last seq",
                    conversation.last_seq
                ),
            )
            .into());
        }
        let marker = self
            .conversations
            .mark_delivered(id, actor.user_id, seq)
            .await
            .map_err(not_found_as("conversation"))?;
        if marker > member.last_delivered_seq {
            self.notifier.notify(Notification::Delivered {
                conversation_id: id,
                user_id: actor.user_id,
                seq: marker,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};

    #[tokio::test]
    async fn a_forward_move_is_stored_and_announced_once() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let mut store = store_with(&group, &[(&ann, MemberRole::Member)]);
        store
            .expect_mark_delivered()
            .withf(|_, _, seq| *seq == 7)
            .times(1)
            .returning(|_, _, seq| Ok(seq));
        let mark = MarkDelivered::new(Arc::new(store), notifier_expecting(1));
        mark.execute(&actor_for(&ann), group.id, 7).await.unwrap();
    }

    #[tokio::test]
    async fn a_marker_that_does_not_move_is_not_announced() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let mut store = store_with(&group, &[(&ann, MemberRole::Member)]);
        // the stored marker stays where it was (0 in the fixture): nothing moved
        store.expect_mark_delivered().returning(|_, _, _| Ok(0));
        let mark = MarkDelivered::new(Arc::new(store), notifier_expecting(0));
        mark.execute(&actor_for(&ann), group.id, 0).await.unwrap();
    }

    #[tokio::test]
    async fn seqs_outside_the_log_and_strangers_are_refused() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        for (who, seq, not_found) in [(&ann, 11, false), (&ann, -1, false), (&eve, 1, true)] {
            let mut store = store_with(&group, &[(&ann, MemberRole::Member)]);
            store.expect_mark_delivered().never();
            let mark = MarkDelivered::new(Arc::new(store), notifier_expecting(0));
            let error = mark
                .execute(&actor_for(who), group.id, seq)
                .await
                .unwrap_err();
            if not_found {
                assert!(matches!(error, ApplicationError::NotFound("conversation")));
            } else {
                assert!(matches!(error, ApplicationError::Validation(e) if e.field == "seq"));
            }
        }
    }
}
