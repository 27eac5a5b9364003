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
        let mut user = self
            .users
            .find_by_username(username)
            .await?
            .ok_or(ApplicationError::NotFound("user"))?;
        let patch = UserPatch {
            role: Some(role),
            ..UserPatch::default()
        };
        if user.apply(patch, self.clock.now()) {
            self.users
                .update_profile(&user)
                .await
                .map_err(not_found_as("user"))?;
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::MockUserRepository;

    #[tokio::test]
    async fn grants_the_role_by_username() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .withf(|u| u.as_str() == "ada")
            .returning(move |_| Ok(Some(ada.clone())));
        users
            .expect_update_profile()
            .withf(|u| u.role == Role::Admin)
            .times(1)
            .returning(|_| Ok(()));
        let set = SetGlobalRole::new(Arc::new(users), fixed_clock());
        let user = set
            .execute(&Username::parse("ada").unwrap(), Role::Admin)
            .await
            .unwrap();
        assert!(user.is_admin());
    }

    #[tokio::test]
    async fn granting_a_role_already_held_writes_nothing() {
        let root = admin("root");
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .returning(move |_| Ok(Some(root.clone())));
        users.expect_update_profile().never();
        let set = SetGlobalRole::new(Arc::new(users), fixed_clock());
        assert!(
            set.execute(&Username::parse("root").unwrap(), Role::Admin)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn an_unknown_username_is_not_found() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(None));
        let set = SetGlobalRole::new(Arc::new(users), fixed_clock());
        assert!(matches!(
            set.execute(&Username::parse("nobody").unwrap(), Role::Admin)
                .await,
            Err(ApplicationError::NotFound("user"))
        ));
    }
}
