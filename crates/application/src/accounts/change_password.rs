use super::announce_revoked;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, Notifier, PasswordHasher, UserRepository};
use palaver_domain::user::Password;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ChangePasswordInput {
    pub current_password: Password,
    pub new_password: Password,
}

/// Replaces the caller's password after checking the current one, and revokes every other
/// session of theirs (whose open connections are told to close).
pub struct ChangePassword {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl ChangePassword {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            hasher,
            notifier,
            clock,
        }
    }

    /// `Forbidden` when the current password is wrong; `NotFound("user")` when the account
    /// is gone.
    pub async fn execute(
        &self,
        actor: &Actor,
        input: ChangePasswordInput,
    ) -> Result<(), ApplicationError> {
        let user = self
            .users
            .find_by_id(actor.user_id)
            .await?
            .ok_or(ApplicationError::NotFound("user"))?;
        let current_ok = self
            .hasher
            .verify(&input.current_password, &user.password_hash)
            .await
            .map_err(ApplicationError::Unexpected)?;
        if !current_ok {
            return Err(ApplicationError::Forbidden(
                "the current password is incorrect",
            ));
        }
        let new_hash = self
            .hasher
            .hash(&input.new_password)
            .await
            .map_err(ApplicationError::Unexpected)?;
        let revoked = self
            .users
            .change_password(user.id, &new_hash, Some(actor.session_id), self.clock.now())
            .await
            .map_err(not_found_as("user"))?;
        tracing::info!(user_id = %user.id, revoked_sessions = revoked.len(), "password changed");
        announce_revoked(self.notifier.as_ref(), user.id, revoked);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::auth::SessionId;
    use palaver_domain::conversation::Notification;
    use palaver_domain::ports::{MockPasswordHasher, MockUserRepository};

    fn input(current: &str) -> ChangePasswordInput {
        ChangePasswordInput {
            current_password: Password::offered(current),
            new_password: Password::parse("new_password", "brand new horse").unwrap(),
        }
    }

    fn hasher(hashes: usize) -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .returning(|password, hash| Ok(*hash == hash_of(password.expose())));
        hasher
            .expect_hash()
            .times(hashes)
            .returning(|password| Ok(hash_of(password.expose())));
        hasher
    }

    fn users_with(found: Option<palaver_domain::user::User>, changes: usize) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(found.clone()));
        users
            .expect_change_password()
            .times(changes)
            .returning(|_, _, _, _| Ok(vec![]));
        users
    }

    #[tokio::test]
    async fn sets_the_new_hash_and_keeps_only_the_callers_session() {
        let ada = user("ada");
        let actor = actor_for(&ada);
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        let (user_id, session_id) = (ada.id, actor.session_id);
        let others = vec![SessionId::generate(), SessionId::generate()];
        let revoked = others.clone();
        users
            .expect_change_password()
            .withf(move |id, hash, keep, at| {
                *id == user_id
                    && *hash == hash_of("brand new horse")
                    && *keep == Some(session_id)
                    && *at == now()
            })
            .times(1)
            .returning(move |_, _, _, _| Ok(revoked.clone()));
        let notifier = notifier_hearing(Notification::SessionsRevoked {
            user_id: ada.id,
            session_ids: others,
        });
        let change = ChangePassword::new(
            Arc::new(users),
            Arc::new(hasher(1)),
            notifier,
            fixed_clock(),
        );
        change
            .execute(&actor, input("correct horse"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn with_no_other_session_nothing_is_announced() {
        let ada = user("ada");
        let change = ChangePassword::new(
            Arc::new(users_with(Some(ada.clone()), 1)),
            Arc::new(hasher(1)),
            silent_notifier(),
            fixed_clock(),
        );
        change
            .execute(&actor_for(&ada), input("correct horse"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_wrong_current_password_is_forbidden_and_changes_nothing() {
        let ada = user("ada");
        let change = ChangePassword::new(
            Arc::new(users_with(Some(ada.clone()), 0)),
            Arc::new(hasher(0)),
            silent_notifier(),
            fixed_clock(),
        );
        assert!(matches!(
            change.execute(&actor_for(&ada), input("wrong horse")).await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn a_deleted_user_is_not_found() {
        let ada = user("ada");
        let change = ChangePassword::new(
            Arc::new(users_with(None, 0)),
            Arc::new(hasher(0)),
            silent_notifier(),
            fixed_clock(),
        );
        assert!(matches!(
            change
                .execute(&actor_for(&ada), input("correct horse"))
                .await,
            Err(ApplicationError::NotFound("user"))
        ));
    }

    #[tokio::test]
    async fn hasher_and_store_failures_are_unexpected_and_a_vanished_user_is_not_found() {
        let ada = user("ada");
        let mut failing_verify = MockPasswordHasher::new();
        failing_verify
            .expect_verify()
            .returning(|_, _| Err("pool gone".into()));
        let change = ChangePassword::new(
            Arc::new(users_with(Some(ada.clone()), 0)),
            Arc::new(failing_verify),
            silent_notifier(),
            fixed_clock(),
        );
        assert!(matches!(
            change
                .execute(&actor_for(&ada), input("correct horse"))
                .await,
            Err(ApplicationError::Unexpected(_))
        ));

        let mut failing_hash = MockPasswordHasher::new();
        failing_hash.expect_verify().returning(|_, _| Ok(true));
        failing_hash
            .expect_hash()
            .returning(|_| Err("pool gone".into()));
        let change = ChangePassword::new(
            Arc::new(users_with(Some(ada.clone()), 0)),
            Arc::new(failing_hash),
            silent_notifier(),
            fixed_clock(),
        );
        assert!(matches!(
            change
                .execute(&actor_for(&ada), input("correct horse"))
                .await,
            Err(ApplicationError::Unexpected(_))
        ));

        for (answer, expect_not_found) in [
            (palaver_domain::RepositoryError::NotFound, true),
            (
                palaver_domain::RepositoryError::unexpected("db down"),
                false,
            ),
        ] {
            let mut users = MockUserRepository::new();
            let found = ada.clone();
            users
                .expect_find_by_id()
                .returning(move |_| Ok(Some(found.clone())));
            let answer = std::sync::Mutex::new(Some(answer));
            users
                .expect_change_password()
                .returning(move |_, _, _, _| Err(answer.lock().unwrap().take().unwrap()));
            let change = ChangePassword::new(
                Arc::new(users),
                Arc::new(hasher(1)),
                silent_notifier(),
                fixed_clock(),
            );
            let error = change
                .execute(&actor_for(&ada), input("correct horse"))
                .await
                .unwrap_err();
            if expect_not_found {
                assert!(matches!(error, ApplicationError::NotFound("user")));
            } else {
                assert!(matches!(error, ApplicationError::Unexpected(_)));
            }
        }
    }
}
