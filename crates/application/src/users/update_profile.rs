use super::UserProfile;
use super::presence::with_presence;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, PresenceDirectory, UserRepository};
use palaver_domain::user::{UserId, UserPatch};
use std::sync::Arc;

/// Changes the caller's own profile. The global role is not theirs to change.
pub struct UpdateProfile {
    users: Arc<dyn UserRepository>,
    presence: Arc<dyn PresenceDirectory>,
    clock: Arc<dyn Clock>,
}

impl UpdateProfile {
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

    /// `Forbidden` for a role change; `Conflict` for a taken username or email.
    pub async fn execute(
        &self,
        actor: &Actor,
        patch: UserPatch,
    ) -> Result<UserProfile, ApplicationError> {
        if patch.role.is_some() {
            return Err(ApplicationError::Forbidden(
                "only an admin may change a role",
            ));
        }
        apply_patch(
            self.users.as_ref(),
            self.presence.as_ref(),
            self.clock.as_ref(),
            actor.user_id,
            patch,
        )
        .await
    }
}

/// Loads a user, applies the patch and saves it if anything changed.
pub(super) async fn apply_patch(
    users: &dyn UserRepository,
    presence: &dyn PresenceDirectory,
    clock: &dyn Clock,
    target: UserId,
    patch: UserPatch,
) -> Result<UserProfile, ApplicationError> {
    let mut user = users
        .find_by_id(target)
        .await?
        .ok_or(ApplicationError::NotFound("user"))?;
    if user.apply(patch, clock.now()) {
        users
            .update_profile(&user)
            .await
            .map_err(not_found_as("user"))?;
    }
    let mut profiles = with_presence(presence, vec![user]).await;
    profiles.pop().ok_or(ApplicationError::NotFound("user"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockUserRepository;
    use palaver_domain::user::{PersonName, Role, Username};

    fn users_holding(found: palaver_domain::user::User, saves: usize) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        users
            .expect_update_profile()
            .times(saves)
            .returning(|_| Ok(()));
        users
    }

    #[tokio::test]
    async fn saves_the_changed_fields_and_stamps_updated_at() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        users
            .expect_update_profile()
            .withf(|u| {
                u.first_name.as_ref().map(|n| n.as_str()) == Some("Ada") && u.updated_at == now()
            })
            .times(1)
            .returning(|_| Ok(()));
        let update = UpdateProfile::new(Arc::new(users), presence_with(vec![]), fixed_clock());
        let patch = UserPatch {
            first_name: Some(Some(PersonName::parse("first_name", "Ada").unwrap())),
            ..UserPatch::default()
        };
        let profile = update.execute(&actor_for(&ada), patch).await.unwrap();
        assert_eq!(profile.user.first_name.unwrap().as_str(), "Ada");
    }

    #[tokio::test]
    async fn an_unchanged_profile_is_not_written() {
        let ada = user("ada");
        let update = UpdateProfile::new(
            Arc::new(users_holding(ada.clone(), 0)),
            presence_with(vec![]),
            fixed_clock(),
        );
        let profile = update
            .execute(&actor_for(&ada), UserPatch::default())
            .await
            .unwrap();
        assert_eq!(profile.user, ada);
    }

    #[tokio::test]
    async fn changing_ones_own_role_is_forbidden() {
        let ada = user("ada");
        let update = UpdateProfile::new(
            Arc::new(users_holding(ada.clone(), 0)),
            presence_with(vec![]),
            fixed_clock(),
        );
        let patch = UserPatch {
            role: Some(Role::Admin),
            ..UserPatch::default()
        };
        assert!(matches!(
            update.execute(&actor_for(&ada), patch).await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn a_taken_username_is_a_conflict() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        users
            .expect_update_profile()
            .returning(|_| Err(RepositoryError::Conflict { field: "username" }));
        let update = UpdateProfile::new(Arc::new(users), presence_with(vec![]), fixed_clock());
        let patch = UserPatch {
            username: Some(Username::parse("bob").unwrap()),
            ..UserPatch::default()
        };
        assert!(matches!(
            update.execute(&actor_for(&ada), patch).await,
            Err(ApplicationError::Conflict { field: "username" })
        ));
    }

    #[tokio::test]
    async fn a_user_deleted_meanwhile_is_not_found() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Ok(None));
        let update = UpdateProfile::new(Arc::new(users), presence_with(vec![]), fixed_clock());
        assert!(matches!(
            update.execute(&actor_for(&ada), UserPatch::default()).await,
            Err(ApplicationError::NotFound("user"))
        ));
    }
}
