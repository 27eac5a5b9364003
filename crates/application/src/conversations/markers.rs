use super::access::membership;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Member, Notification};
use palaver_domain::ports::{ConversationRepository, Notifier};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// A member's progress marker in a conversation's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// Read up to here; unread counts follow.
    Read,
    /// The member's devices have received everything up to here.
    Delivered,
}

impl Marker {
    fn stored(self, member: &Member) -> i64 {
        match self {
            Self::Read => member.last_read_seq,
            Self::Delivered => member.last_delivered_seq,
        }
    }

    fn announcement(
        self,
        conversation_id: ConversationId,
        user_id: UserId,
        seq: i64,
    ) -> Notification {
        match self {
            Self::Read => Notification::Read {
                conversation_id,
                user_id,
                seq,
            },
            Self::Delivered => Notification::Delivered {
                conversation_id,
                user_id,
                seq,
            },
        }
    }
}

/// Moves one of the caller's markers forward (never back).
pub struct MoveMarker {
    marker: Marker,
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
}

impl MoveMarker {
    pub fn new(
        marker: Marker,
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            marker,
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
        let moved = match self.marker {
            Marker::Read => self.conversations.mark_read(id, actor.user_id, seq).await,
            Marker::Delivered => {
                self.conversations
                    .mark_delivered(id, actor.user_id, seq)
                    .await
            }
        };
        let marker = moved.map_err(not_found_as("conversation"))?;
        if marker > self.marker.stored(&member) {
            self.notifier
                .notify(self.marker.announcement(id, actor.user_id, marker));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{Conversation, ConversationKind, MemberRole};
    use palaver_domain::ports::MockConversationRepository;
    use palaver_domain::user::User;

    const MARKERS: [Marker; 2] = [Marker::Read, Marker::Delivered];

    /// A store whose `marker` method answers with `answer(seq)`, `times` times (any number
    /// when `None`), and whose other marker method is never called.
    fn store_moving(
        marker: Marker,
        group: &Conversation,
        members: &[(&User, MemberRole)],
        times: Option<usize>,
        answer: fn(i64) -> i64,
    ) -> MockConversationRepository {
        let mut store = store_with(group, members);
        let times = times.map_or(0..usize::MAX, |n| n..n + 1);
        match marker {
            Marker::Read => {
                store
                    .expect_mark_read()
                    .times(times)
                    .returning(move |_, _, seq| Ok(answer(seq)));
                store.expect_mark_delivered().never();
            }
            Marker::Delivered => {
                store
                    .expect_mark_delivered()
                    .times(times)
                    .returning(move |_, _, seq| Ok(answer(seq)));
                store.expect_mark_read().never();
            }
        }
        store
    }

    #[tokio::test]
    async fn a_forward_move_is_stored_and_announced_once() {
        for marker in MARKERS {
            let ann = user("ann");
            let group = conversation(ConversationKind::Group, None);
            let store = store_moving(
                marker,
                &group,
                &[(&ann, MemberRole::Member)],
                Some(1),
                |seq| seq,
            );
            let mark = MoveMarker::new(marker, Arc::new(store), notifier_expecting(1));
            mark.execute(&actor_for(&ann), group.id, 7).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_marker_that_does_not_move_is_not_announced() {
        for marker in MARKERS {
            let ann = user("ann");
            let group = conversation(ConversationKind::Group, None);
            // the stored marker stays where it was (0 in the fixture): nothing moved
            let store = store_moving(marker, &group, &[(&ann, MemberRole::Member)], None, |_| 0);
            let mark = MoveMarker::new(marker, Arc::new(store), notifier_expecting(0));
            mark.execute(&actor_for(&ann), group.id, 0).await.unwrap();
        }
    }

    #[tokio::test]
    async fn seqs_outside_the_log_and_strangers_are_refused() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        for marker in MARKERS {
            for (who, seq, not_found) in [(&ann, 11, false), (&ann, -1, false), (&eve, 1, true)] {
                let store = store_moving(
                    marker,
                    &group,
                    &[(&ann, MemberRole::Member)],
                    Some(0),
                    |seq| seq,
                );
                let mark = MoveMarker::new(marker, Arc::new(store), notifier_expecting(0));
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
}
