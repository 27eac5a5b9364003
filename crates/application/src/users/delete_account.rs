use crate::ApplicationError;
use crate::conversations::LeaveAllConversations;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::Notification;
use palaver_domain::ports::{Notifier, PasswordHasher, UserRepository};
use palaver_domain::user::Password;
use std::sync::Arc;

/// The caller deletes their own account, confirming with their password. They leave every
/// conversation first; their messages stay, shown as from a deleted user. Their open
/// connections are told to close.
pub struct DeleteAccount {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    leave_all: LeaveAllConversations,
    notifier: Arc<dyn Notifier>,
}

impl DeleteAccount {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        leave_all: LeaveAllConversations,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            users,
            hasher,
            leave_all,
            notifier,
        }
    }

    /// `Forbidden` when the password is wrong; `NotFound("user")` when the account is
    /// already gone.
    pub async fn execute(&self, actor: &Actor, password: Password) -> Result<(), ApplicationError> {
        let user = self
            .users
            .find_by_id(actor.user_id)
            .await?
            .ok_or(ApplicationError::NotFound("user"))?;
        let confirmed = self
            .hasher
            .verify(&password, &user.password_hash)
            .await
            .map_err(ApplicationError::Unexpected)?;
        if !confirmed {
            return Err(ApplicationError::Forbidden("the password is incorrect"));
        }
        self.leave_all
            .then_delete(self.users.as_ref(), user.id)
            .await?;
        tracing::info!(user_id = %user.id, "account deleted by its owner");
        self.notifier
            .notify(Notification::AccountDeleted { user_id: user.id });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockPasswordHasher, MockUserRepository};

    fn hasher() -> Arc<MockPasswordHasher> {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .returning(|password, hash| Ok(*hash == hash_of(password.expose())));
        Arc::new(hasher)
    }

    fn users_holding(
        found: Option<palaver_domain::user::User>,
        deletes: usize,
    ) -> Arc<MockUserRepository> {
        let mut users = MockUserRepository::new();
        let expected = found.as_ref().map(|u| u.id);
        users
            .expect_find_by_id()
            .returning(move |_| Ok(found.clone()));
        users
            .expect_delete()
            .withf(move |id| Some(*id) == expected)
            .times(deletes)
            .returning(|_| Ok(()));
        Arc::new(users)
    }

    #[tokio::test]
    async fn the_right_password_deletes_the_account_and_announces_it() {
        let ada = user("ada");
        let delete = DeleteAccount::new(
            users_holding(Some(ada.clone()), 1),
            hasher(),
            leave_none(),
            notifier_hearing(Notification::AccountDeleted { user_id: ada.id }),
        );
        delete
            .execute(&actor_for(&ada), Password::offered("correct horse"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_wrong_password_is_forbidden_and_deletes_nothing() {
        let ada = user("ada");
        let delete = DeleteAccount::new(
            users_holding(Some(ada.clone()), 0),
            hasher(),
            leave_none(),
            silent_notifier(),
        );
        assert!(matches!(
            delete
                .execute(&actor_for(&ada), Password::offered("wrong"))
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn an_already_deleted_account_is_not_found() {
        let ada = user("ada");
        let delete = DeleteAccount::new(
            users_holding(None, 0),
            hasher(),
            leave_none(),
            silent_notifier(),
        );
        assert!(matches!(
            delete
                .execute(&actor_for(&ada), Password::offered("correct horse"))
                .await,
            Err(ApplicationError::NotFound("user"))
        ));
    }

    #[tokio::test]
    async fn hasher_and_store_failures_are_unexpected() {
        let ada = user("ada");
        let mut failing = MockPasswordHasher::new();
        failing
            .expect_verify()
            .returning(|_, _| Err("pool gone".into()));
        let delete = DeleteAccount::new(
            users_holding(Some(ada.clone()), 0),
            Arc::new(failing),
            leave_none(),
            silent_notifier(),
        );
        assert!(matches!(
            delete
                .execute(&actor_for(&ada), Password::offered("correct horse"))
                .await,
            Err(ApplicationError::Unexpected(_))
        ));

        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        users
            .expect_delete()
            .returning(|_| Err(palaver_domain::RepositoryError::unexpected("db down")));
        let delete = DeleteAccount::new(Arc::new(users), hasher(), leave_none(), silent_notifier());
        assert!(matches!(
            delete
                .execute(&actor_for(&ada), Password::offered("correct horse"))
                .await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
