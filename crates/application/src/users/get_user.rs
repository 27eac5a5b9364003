use super::UserProfile;
use super::presence::with_presence;
use crate::ApplicationError;
use palaver_domain::ports::{PresenceDirectory, UserRepository};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// One user's profile. Any signed-in user may look anyone up; which fields they see is
/// the web layer's business (see `Viewer`).
pub struct GetUser {
    users: Arc<dyn UserRepository>,
    presence: Arc<dyn PresenceDirectory>,
}

impl GetUser {
    pub fn new(users: Arc<dyn UserRepository>, presence: Arc<dyn PresenceDirectory>) -> Self {
        Self { users, presence }
    }

    /// `NotFound("user")` when there is no such user.
    pub async fn execute(&self, id: UserId) -> Result<UserProfile, ApplicationError> {
        let user = self
            .users
            .find_by_id(id)
            .await?
            .ok_or(ApplicationError::NotFound("user"))?;
        let mut profiles = with_presence(self.presence.as_ref(), vec![user]).await;
        profiles.pop().ok_or(ApplicationError::NotFound("user"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{MockPresenceDirectory, MockUserRepository};

    #[tokio::test]
    async fn returns_the_user_with_their_online_flag() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .withf(move |id| *id == found.id)
            .returning(move |_| Ok(Some(found.clone())));
        let get = GetUser::new(Arc::new(users), presence_with(vec![ada.id]));
        let profile = get.execute(ada.id).await.unwrap();
        assert_eq!(profile.user, ada);
        assert!(profile.online);
    }

    #[tokio::test]
    async fn presence_trouble_shows_the_user_offline_instead_of_failing() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        let mut presence = MockPresenceDirectory::new();
        presence
            .expect_online_among()
            .returning(|_| Err("redis down".into()));
        let get = GetUser::new(Arc::new(users), Arc::new(presence));
        assert!(!get.execute(ada.id).await.unwrap().online);
    }

    #[tokio::test]
    async fn an_unknown_id_is_not_found() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Ok(None));
        let get = GetUser::new(Arc::new(users), presence_with(vec![]));
        assert!(matches!(
            get.execute(user("x_y").id).await,
            Err(ApplicationError::NotFound("user"))
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_id()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let get = GetUser::new(Arc::new(users), presence_with(vec![]));
        assert!(matches!(
            get.execute(user("x_y").id).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
