use super::UserProfile;
use super::update_profile::save_patch;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, PresenceDirectory, UserRepository};
use palaver_domain::user::{UserId, UserPatch};
use std::sync::Arc;

/// A global admin changes another user's profile, including their role.
pub struct AdminUpdateUser {
    users: Arc<dyn UserRepository>,
    presence: Arc<dyn PresenceDirectory>,
    clock: Arc<dyn Clock>,
}

impl AdminUpdateUser {
    pub fn new(
        users: Arc<dyn UserRepository>,
        presence: Arc<dyn PresenceDirectory>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            presence,
            clock,
        }
    }

    /// `Forbidden` unless the actor is an admin; `NotFound("user")`; `Conflict`.
    pub async fn execute(
        &self,
        actor: &Actor,
        target: UserId,
        patch: UserPatch,
    ) -> Result<UserProfile, ApplicationError> {
        if !actor.is_admin() {
            return Err(ApplicationError::Forbidden(
                "only an admin may change other users",
            ));
        }
        let profile = save_patch(
            self.users.as_ref(),
            self.presence.as_ref(),
            self.clock.as_ref(),
            target,
            patch,
        )
        .await?;
        tracing::info!(admin = %actor.user_id, user_id = %target, "user updated by admin");
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockUserRepository;
    use palaver_domain::user::{Role, User};

    fn promote() -> UserPatch {
        UserPatch {
            role: Some(Role::Admin),
            ..UserPatch::default()
        }
    }

    fn users_answering(answer: Result<User, RepositoryError>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        let answer = std::sync::Mutex::new(Some(answer));
        users
            .expect_apply_patch()
            .withf(|_, patch, _| *patch == promote())
            .times(1)
            .returning(move |_, _, _| answer.lock().unwrap().take().unwrap());
        users
    }

    #[tokio::test]
    async fn an_admin_may_change_anyones_role() {
        let bob = User {
            role: Role::Admin,
            ..user("bob")
        };
        let update = AdminUpdateUser::new(
            Arc::new(users_answering(Ok(bob.clone()))),
            presence_with(vec![]),
            fixed_clock(),
        );
        let profile = update
            .execute(&actor_for(&admin("root")), bob.id, promote())
            .await
            .unwrap();
        assert_eq!(profile.user.role, Role::Admin);
    }

    #[tokio::test]
    async fn a_plain_user_is_forbidden_without_touching_the_store() {
        let mut users = MockUserRepository::new();
        users.expect_apply_patch().never();
        let update = AdminUpdateUser::new(Arc::new(users), presence_with(vec![]), fixed_clock());
        assert!(matches!(
            update
                .execute(&actor_for(&user("eve")), user("bob").id, promote())
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn store_answers_map_onto_use_case_errors() {
        for (answer, check) in [
            (RepositoryError::NotFound, "not_found"),
            (
                RepositoryError::Conflict {
                    field: palaver_domain::Taken::Email,
                },
                "conflict",
            ),
            (RepositoryError::unexpected("db down"), "unexpected"),
        ] {
            let update = AdminUpdateUser::new(
                Arc::new(users_answering(Err(answer))),
                presence_with(vec![]),
                fixed_clock(),
            );
            let error = update
                .execute(&actor_for(&admin("root")), user("bob").id, promote())
                .await
                .unwrap_err();
            let matched = match check {
                "not_found" => matches!(error, ApplicationError::NotFound("user")),
                "conflict" => matches!(
                    error,
                    ApplicationError::Conflict {
                        field: palaver_domain::Taken::Email
                    }
                ),
                _ => matches!(error, ApplicationError::Unexpected(_)),
            };
            assert!(matched, "{check}: {error:?}");
        }
    }
}
