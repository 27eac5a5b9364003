use crate::ApplicationError;
use crate::conversations::LeaveAllConversations;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::Notification;
use palaver_domain::ports::{Notifier, UserRepository};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// A global admin deletes any account; the user leaves every conversation first, and
/// their open connections are told to close.
pub struct AdminDeleteUser {
    users: Arc<dyn UserRepository>,
    leave_all: LeaveAllConversations,
    notifier: Arc<dyn Notifier>,
}

impl AdminDeleteUser {
    pub fn new(
        users: Arc<dyn UserRepository>,
        leave_all: LeaveAllConversations,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            users,
            leave_all,
            notifier,
        }
    }

    /// `Forbidden` unless the actor is an admin; `NotFound("user")`.
    pub async fn execute(&self, actor: &Actor, target: UserId) -> Result<(), ApplicationError> {
        if !actor.is_admin() {
            return Err(ApplicationError::Forbidden(
                "only an admin may delete other users",
            ));
        }
        self.leave_all
            .then_delete(self.users.as_ref(), target)
            .await?;
        tracing::info!(admin = %actor.user_id, user_id = %target, "user deleted by admin");
        self.notifier
            .notify(Notification::AccountDeleted { user_id: target });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockUserRepository;

    #[tokio::test]
    async fn an_admin_deletes_the_user_and_announces_it() {
        let bob = user("bob");
        let mut users = MockUserRepository::new();
        let id = bob.id;
        users
            .expect_delete()
            .withf(move |target| *target == id)
            .times(1)
            .returning(|_| Ok(()));
        let delete = AdminDeleteUser::new(
            Arc::new(users),
            leave_none(),
            notifier_hearing(Notification::AccountDeleted { user_id: bob.id }),
        );
        delete
            .execute(&actor_for(&admin("root")), bob.id)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_plain_user_is_forbidden() {
        let mut users = MockUserRepository::new();
        users.expect_delete().never();
        let delete = AdminDeleteUser::new(Arc::new(users), leave_none(), silent_notifier());
        assert!(matches!(
            delete
                .execute(&actor_for(&user("eve")), user("bob").id)
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn an_unknown_user_is_not_found() {
        let mut users = MockUserRepository::new();
        users
            .expect_delete()
            .returning(|_| Err(RepositoryError::NotFound));
        let delete = AdminDeleteUser::new(Arc::new(users), leave_none(), silent_notifier());
        assert!(matches!(
            delete
                .execute(&actor_for(&admin("root")), user("bob").id)
                .await,
            Err(ApplicationError::NotFound("user"))
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_delete()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let delete = AdminDeleteUser::new(Arc::new(users), leave_none(), silent_notifier());
        assert!(matches!(
            delete
                .execute(&actor_for(&admin("root")), user("bob").id)
                .await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
