use super::UserProfile;
use super::presence::with_presence;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, PasswordHasher, PresenceDirectory, UserRepository};
use palaver_domain::user::{Password, UserId, UserPatch};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct UpdateProfileInput {
    pub patch: UserPatch,
    /// Needed to change the email address, where password-reset mail goes: a stolen
    /// access token alone must not be enough to take the account over.
    pub current_password: Option<Password>,
}

/// Changes the caller's own profile. The global role is not theirs to change.
pub struct UpdateProfile {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    presence: Arc<dyn PresenceDirectory>,
    clock: Arc<dyn Clock>,
}

impl UpdateProfile {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        presence: Arc<dyn PresenceDirectory>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            hasher,
            presence,
            clock,
        }
    }

    /// `Forbidden` for a role change or a wrong current password; `Validation` on
    /// `current_password` when an email change comes without it; `Conflict` for a taken
    /// username or email.
    pub async fn execute(
        &self,
        actor: &Actor,
        input: UpdateProfileInput,
    ) -> Result<UserProfile, ApplicationError> {
        if input.patch.role.is_some() {
            return Err(ApplicationError::Forbidden(
                "only an admin may change a role",
            ));
        }
        if input.patch.changes_email() {
            self.confirm_password(actor.user_id, input.current_password)
                .await?;
        }
        save_patch(
            self.users.as_ref(),
            self.presence.as_ref(),
            self.clock.as_ref(),
            actor.user_id,
            input.patch,
        )
        .await
    }

    async fn confirm_password(
        &self,
        user_id: UserId,
        offered: Option<Password>,
    ) -> Result<(), ApplicationError> {
        let offered = offered.ok_or_else(|| {
            ValidationError::new(
                "current_password",
                "is required to change the email address",
            )
        })?;
        let user = self
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(ApplicationError::NotFound("user"))?;
        let matches = self
            .hasher
            .verify(&offered, &user.password_hash)
            .await
            .map_err(ApplicationError::Unexpected)?;
        if !matches {
            return Err(ApplicationError::Forbidden(
                "the current password is incorrect",
            ));
        }
        Ok(())
    }
}

/// Saves a patch and answers with the stored profile.
pub(super) async fn save_patch(
    users: &dyn UserRepository,
    presence: &dyn PresenceDirectory,
    clock: &dyn Clock,
    target: UserId,
    patch: UserPatch,
) -> Result<UserProfile, ApplicationError> {
    let user = users
        .apply_patch(target, &patch, clock.now())
        .await
        .map_err(not_found_as("user"))?;
    let mut profiles = with_presence(presence, vec![user]).await;
    profiles.pop().ok_or(ApplicationError::NotFound("user"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{MockPasswordHasher, MockUserRepository};
    use palaver_domain::user::{EmailAddress, PersonName, Role, User, Username};

    fn rename() -> UserPatch {
        UserPatch {
            first_name: Some(Some(PersonName::parse("first_name", "Ada").unwrap())),
            ..UserPatch::default()
        }
    }

    fn new_email() -> UserPatch {
        UserPatch {
            email: Some(Some(EmailAddress::parse("new@example.org").unwrap())),
            ..UserPatch::default()
        }
    }

    fn input(patch: UserPatch, password: Option<&str>) -> UpdateProfileInput {
        UpdateProfileInput {
            patch,
            current_password: password.map(Password::offered),
        }
    }

    /// A store holding `stored` that answers `patches` patch writes with `answer`.
    fn users(
        stored: User,
        patches: usize,
        answer: Result<(), RepositoryError>,
    ) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        let found = stored.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        let answer = std::sync::Mutex::new(Some(answer));
        users
            .expect_apply_patch()
            .withf(move |id, _, at| *id == stored.id && *at == now())
            .times(patches)
            .returning(move |_, _, _| match answer.lock().unwrap().take() {
                Some(Ok(())) | None => Ok(user("ada")),
                Some(Err(error)) => Err(error),
            });
        users
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .returning(|password, hash| Ok(*hash == hash_of(password.expose())));
        hasher
    }

    fn update(users: MockUserRepository) -> UpdateProfile {
        UpdateProfile::new(
            Arc::new(users),
            Arc::new(hasher()),
            presence_with(vec![]),
            fixed_clock(),
        )
    }

    #[tokio::test]
    async fn saves_the_patch_for_the_caller_and_returns_the_stored_profile() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        let id = ada.id;
        let stored = User {
            first_name: Some(PersonName::parse("first_name", "Ada").unwrap()),
            ..ada.clone()
        };
        users
            .expect_apply_patch()
            .withf(move |target, patch, at| *target == id && *patch == rename() && *at == now())
            .times(1)
            .returning(move |_, _, _| Ok(stored.clone()));
        let profile = update(users)
            .execute(&actor_for(&ada), input(rename(), None))
            .await
            .unwrap();
        assert_eq!(profile.user.first_name.unwrap().as_str(), "Ada");
    }

    #[tokio::test]
    async fn changing_ones_own_role_is_forbidden() {
        let ada = user("ada");
        let patch = UserPatch {
            role: Some(Role::Admin),
            ..UserPatch::default()
        };
        let result = update(users(ada.clone(), 0, Ok(())))
            .execute(&actor_for(&ada), input(patch, None))
            .await;
        assert!(matches!(result, Err(ApplicationError::Forbidden(_))));
    }

    #[tokio::test]
    async fn an_email_change_needs_the_current_password() {
        let ada = user("ada");
        let result = update(users(ada.clone(), 0, Ok(())))
            .execute(&actor_for(&ada), input(new_email(), None))
            .await;
        assert!(
            matches!(result, Err(ApplicationError::Validation(e)) if e.field == "current_password")
        );

        let wrong = update(users(ada.clone(), 0, Ok(())))
            .execute(&actor_for(&ada), input(new_email(), Some("wrong horse")))
            .await;
        assert!(matches!(wrong, Err(ApplicationError::Forbidden(_))));

        let right = update(users(ada.clone(), 1, Ok(())))
            .execute(&actor_for(&ada), input(new_email(), Some("correct horse")))
            .await;
        assert!(right.is_ok());
    }

    #[tokio::test]
    async fn store_answers_map_onto_use_case_errors() {
        let ada = user("ada");
        let taken = update(users(
            ada.clone(),
            1,
            Err(RepositoryError::Conflict {
                field: palaver_domain::Taken::Username,
            }),
        ))
        .execute(
            &actor_for(&ada),
            input(
                UserPatch {
                    username: Some(Username::parse("bob").unwrap()),
                    ..UserPatch::default()
                },
                None,
            ),
        )
        .await;
        assert!(matches!(
            taken,
            Err(ApplicationError::Conflict {
                field: palaver_domain::Taken::Username
            })
        ));

        let gone = update(users(ada.clone(), 1, Err(RepositoryError::NotFound)))
            .execute(&actor_for(&ada), input(rename(), None))
            .await;
        assert!(matches!(gone, Err(ApplicationError::NotFound("user"))));

        let broken = update(users(
            ada.clone(),
            1,
            Err(RepositoryError::unexpected("db down")),
        ))
        .execute(&actor_for(&ada), input(rename(), None))
        .await;
        assert!(matches!(broken, Err(ApplicationError::Unexpected(_))));
    }

    #[tokio::test]
    async fn a_hasher_failure_during_an_email_change_is_unexpected() {
        let ada = user("ada");
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .returning(|_, _| Err("pool gone".into()));
        let update = UpdateProfile::new(
            Arc::new(users(ada.clone(), 0, Ok(()))),
            Arc::new(hasher),
            presence_with(vec![]),
            fixed_clock(),
        );
        let result = update
            .execute(&actor_for(&ada), input(new_email(), Some("correct horse")))
            .await;
        assert!(matches!(result, Err(ApplicationError::Unexpected(_))));
    }
}
