use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ports::{Clock, UserRepository};
use palaver_domain::user::{Role, User, UserPatch, Username};
use std::sync::Arc;

/// Gives a user a global role from the operator's command line (how the first admin is
/// made). No actor: whoever can run the server binary against its database is trusted.
pub struct SetGlobalRole {
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
}

impl SetGlobalRole {
    pub fn new(users: Arc<dyn UserRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { users, clock }
    }

    /// `NotFound("user")` when nobody has that username.
    pub async fn execute(&self, username: &Username, role: Role) -> Result<User, ApplicationError> {
        let user = self
            .users
            .find_by_username(username)
            .await?
            .ok_or(ApplicationError::NotFound("user"))?;
        let patch = UserPatch {
            role: Some(role),
            ..UserPatch::default()
        };
        self.users
            .apply_patch(user.id, &patch, self.clock.now())
            .await
            .map_err(not_found_as("user"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockUserRepository;

    fn users_with(
        found: Option<User>,
        answer: Option<Result<User, RepositoryError>>,
    ) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .withf(|u| u.as_str() == "ada")
            .returning(move |_| Ok(found.clone()));
        let expected_writes = usize::from(answer.is_some());
        let answer = std::sync::Mutex::new(answer);
        users
            .expect_apply_patch()
            .withf(|_, patch, at| {
                patch.role == Some(Role::Admin) && patch.username.is_none() && *at == now()
            })
            .times(expected_writes)
            .returning(move |_, _, _| answer.lock().unwrap().take().unwrap());
        users
    }

    fn ada() -> Username {
        Username::parse("ada").unwrap()
    }

    #[tokio::test]
    async fn grants_the_role_by_username_writing_only_the_role() {
        let promoted = admin("ada");
        let set = SetGlobalRole::new(
            Arc::new(users_with(Some(user("ada")), Some(Ok(promoted)))),
            fixed_clock(),
        );
        assert!(set.execute(&ada(), Role::Admin).await.unwrap().is_admin());
    }

    #[tokio::test]
    async fn an_unknown_username_is_not_found() {
        let set = SetGlobalRole::new(Arc::new(users_with(None, None)), fixed_clock());
        assert!(matches!(
            set.execute(&ada(), Role::Admin).await,
            Err(ApplicationError::NotFound("user"))
        ));
    }

    #[tokio::test]
    async fn a_user_deleted_meanwhile_is_not_found_and_failures_are_unexpected() {
        let set = SetGlobalRole::new(
            Arc::new(users_with(
                Some(user("ada")),
                Some(Err(RepositoryError::NotFound)),
            )),
            fixed_clock(),
        );
        assert!(matches!(
            set.execute(&ada(), Role::Admin).await,
            Err(ApplicationError::NotFound("user"))
        ));
        let set = SetGlobalRole::new(
            Arc::new(users_with(
                Some(user("ada")),
                Some(Err(RepositoryError::unexpected("db down"))),
            )),
            fixed_clock(),
        );
        assert!(matches!(
            set.execute(&ada(), Role::Admin).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
