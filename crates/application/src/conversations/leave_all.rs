use super::announce;
use crate::ApplicationError;
use palaver_domain::RepositoryError;
use palaver_domain::ports::{Clock, ConversationRepository, Notifier};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// Takes a user out of every conversation, as if they had left each one (owners hand on,
/// last ones out delete). Run before an account is deleted, so the others see them leave
/// and no group is left without an owner; their messages stay, from a deleted user.
#[derive(Clone)]
pub struct LeaveAllConversations {
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl LeaveAllConversations {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            conversations,
            notifier,
            clock,
        }
    }

    pub async fn execute(&self, user: UserId) -> Result<(), ApplicationError> {
        for id in self.conversations.memberships_of(user).await? {
            match self
                .conversations
                .remove_member(id, user, self.clock.now())
                .await
            {
                Ok(departure) => announce(self.notifier.as_ref(), id, user, departure),
                // Gone meanwhile (deleted, or they left concurrently): nothing to do.
                Err(RepositoryError::NotFound) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationId, ConversationKind, EventPayload};
    use palaver_domain::ports::{Departure, MockConversationRepository};

    #[tokio::test]
    async fn leaves_each_conversation_and_announces_what_changed() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let (stays, vanished, emptied) = (
            group.id,
            ConversationId::generate(),
            ConversationId::generate(),
        );
        let mut store = MockConversationRepository::new();
        store
            .expect_memberships_of()
            .returning(move |_| Ok(vec![stays, vanished, emptied]));
        let left = Departure::Left {
            events: vec![event(
                &group,
                4,
                EventPayload::MemberLeft { user_id: ann.id },
            )],
        };
        store.expect_remove_member().returning(move |id, _, _| {
            if id == stays {
                Ok(left.clone())
            } else if id == vanished {
                Err(RepositoryError::NotFound)
            } else {
                Ok(Departure::ConversationDeleted)
            }
        });
        // member.left for one, conversation.deleted for the emptied one
        let leave =
            LeaveAllConversations::new(Arc::new(store), notifier_expecting(2), fixed_clock());
        leave.execute(ann.id).await.unwrap();
    }

    #[tokio::test]
    async fn a_store_failure_stops_and_is_unexpected() {
        let mut store = MockConversationRepository::new();
        store
            .expect_memberships_of()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let leave =
            LeaveAllConversations::new(Arc::new(store), notifier_expecting(0), fixed_clock());
        assert!(matches!(
            leave.execute(user("ann").id).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
