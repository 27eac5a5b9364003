use super::UserProfile;
use super::update_profile::apply_patch;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, PresenceDirectory, UserRepository};
use palaver_domain::user::{UserId, UserPatch};
use std::sync::Arc;

/// A global admin changes anyone's profile, including their role.
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
        let profile = apply_patch(
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
    use palaver_domain::ports::MockUserRepository;
    use palaver_domain::user::Role;

    fn promote() -> UserPatch {
        UserPatch {
            role: Some(Role::Admin),
            ..UserPatch::default()
        }
    }

    #[tokio::test]
    async fn an_admin_may_change_anyones_role() {
        let bob = user("bob");
        let mut users = MockUserRepository::new();
        let found = bob.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        users
            .expect_update_profile()
            .withf(|u| u.role == Role::Admin)
            .times(1)
            .returning(|_| Ok(()));
        let update = AdminUpdateUser::new(Arc::new(users), presence_with(vec![]), fixed_clock());
        let profile = update
            .execute(&actor_for(&admin("root")), bob.id, promote())
            .await
            .unwrap();
        assert_eq!(profile.user.role, Role::Admin);
    }

    #[tokio::test]
    async fn a_plain_user_is_forbidden_without_touching_the_store() {
        let update = AdminUpdateUser::new(
            Arc::new(MockUserRepository::new()),
            presence_with(vec![]),
            fixed_clock(),
        );
        assert!(matches!(
            update
                .execute(&actor_for(&user("eve")), user("bob").id, promote())
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn an_unknown_user_is_not_found() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Ok(None));
        let update = AdminUpdateUser::new(Arc::new(users), presence_with(vec![]), fixed_clock());
        assert!(matches!(
            update
                .execute(&actor_for(&admin("root")), user("bob").id, promote())
                .await,
            Err(ApplicationError::NotFound("user"))
        ));
    }
}
