use super::announce;
use crate::ApplicationError;
use palaver_domain::RepositoryError;
use palaver_domain::Taken;
use palaver_domain::ports::{Clock, ConversationRepository, Notifier, UserRepository};
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

    /// Leaves every conversation, then deletes the account. The store refuses to delete a
    /// user who still has a membership (someone added them meanwhile), so that case leaves
    /// again and retries. `NotFound("user")` if the account is already gone.
    pub async fn then_delete(
        &self,
        users: &dyn UserRepository,
        user: UserId,
    ) -> Result<(), ApplicationError> {
        const ATTEMPTS: usize = 3;
        for _ in 0..ATTEMPTS {
            self.execute(user).await?;
            match users.delete(user).await {
                Ok(()) => return Ok(()),
                Err(RepositoryError::Conflict {
                    field: Taken::Memberships,
                }) => continue,
                Err(RepositoryError::NotFound) => return Err(ApplicationError::NotFound("user")),
                Err(other) => return Err(other.into()),
            }
        }
        Err(ApplicationError::unexpected(
            "the user kept being added to conversations while being deleted",
        ))
    }

    pub async fn execute(&self, user: UserId) -> Result<(), ApplicationError> {
        for id in self.conversations.memberships_of(user).await? {
            match self
                .conversations
                .remove_member(id, user, user, self.clock.now())
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
        store.expect_remove_member().returning(move |id, _, _, _| {
            if id == stays {
                Ok(left.clone())
            } else if id == vanished {
                Err(RepositoryError::NotFound)
            } else {
                Ok(Departure::ConversationDeleted)
            }
        });
        // conversation.deleted for the emptied one; the store announced the member.left
        let leave =
            LeaveAllConversations::new(Arc::new(store), notifier_expecting(1), fixed_clock());
        leave.execute(ann.id).await.unwrap();
    }

    #[tokio::test]
    async fn a_membership_added_meanwhile_is_left_before_the_delete_goes_through() {
        let ann = user("ann");
        let mut store = MockConversationRepository::new();
        store
            .expect_memberships_of()
            .times(2)
            .returning(|_| Ok(vec![]));
        let mut users = palaver_domain::ports::MockUserRepository::new();
        let mut attempts = mockall::Sequence::new();
        users
            .expect_delete()
            .times(1)
            .in_sequence(&mut attempts)
            .returning(|_| {
                Err(RepositoryError::Conflict {
                    field: Taken::Memberships,
                })
            });
        users
            .expect_delete()
            .times(1)
            .in_sequence(&mut attempts)
            .returning(|_| Ok(()));
        let leave =
            LeaveAllConversations::new(Arc::new(store), notifier_expecting(0), fixed_clock());
        leave.then_delete(&users, ann.id).await.unwrap();
    }

    #[tokio::test]
    async fn an_account_already_gone_is_not_found() {
        let mut store = MockConversationRepository::new();
        store.expect_memberships_of().returning(|_| Ok(vec![]));
        let mut users = palaver_domain::ports::MockUserRepository::new();
        users
            .expect_delete()
            .returning(|_| Err(RepositoryError::NotFound));
        let leave =
            LeaveAllConversations::new(Arc::new(store), notifier_expecting(0), fixed_clock());
        assert!(matches!(
            leave.then_delete(&users, user("ann").id).await,
            Err(ApplicationError::NotFound("user"))
        ));
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
