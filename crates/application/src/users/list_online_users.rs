use super::UserProfile;
use crate::ApplicationError;
use crate::page::{Page, PageRequest, encode_cursor};
use palaver_domain::ports::{PresenceDirectory, UserRepository};
use std::sync::Arc;

/// The users connected right now on any node, ordered by username.
pub struct ListOnlineUsers {
    users: Arc<dyn UserRepository>,
    presence: Arc<dyn PresenceDirectory>,
}

impl ListOnlineUsers {
    pub fn new(users: Arc<dyn UserRepository>, presence: Arc<dyn PresenceDirectory>) -> Self {
        Self { users, presence }
    }

    pub async fn execute(&self, page: PageRequest) -> Result<Page<UserProfile>, ApplicationError> {
        let online = self
            .presence
            .online_users()
            .await
            .map_err(ApplicationError::Unexpected)?;
        if online.is_empty() {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
        let mut users: Vec<_> = self
            .users
            .find_many(&online)
            .await?
            .into_iter()
            .map(|user| (user.username.canonical(), user))
            .filter(|(key, _)| page.after.as_ref().is_none_or(|after| key > after))
            .collect();
        users.sort_by(|a, b| a.0.cmp(&b.0));
        let page = Page::from_lookahead(users, page.limit, |(key, _)| encode_cursor(key));
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|(_, user)| UserProfile { user, online: true })
                .collect(),
            next_cursor: page.next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockPresenceDirectory, MockUserRepository};

    #[tokio::test]
    async fn nobody_online_is_an_empty_page_without_a_database_trip() {
        let mut users = MockUserRepository::new();
        users.expect_find_many().never();
        let list = ListOnlineUsers::new(Arc::new(users), presence_with(vec![]));
        let page = list
            .execute(PageRequest {
                after: None,
                limit: 50,
            })
            .await
            .unwrap();
        assert!(page.items.is_empty());
        assert!(page.next_cursor.is_none());
    }

    #[tokio::test]
    async fn online_users_come_sorted_and_paged() {
        let (zed, ada, bob) = (user("zed"), user("Ada"), user("bob"));
        let online = vec![zed.id, ada.id, bob.id];
        let all = vec![zed.clone(), ada.clone(), bob.clone()];
        let mut users = MockUserRepository::new();
        users.expect_find_many().returning(move |_| Ok(all.clone()));
        let list = ListOnlineUsers::new(Arc::new(users), presence_with(online));
        let first = list
            .execute(PageRequest {
                after: None,
                limit: 2,
            })
            .await
            .unwrap();
        let names: Vec<_> = first
            .items
            .iter()
            .map(|p| p.user.username.as_str())
            .collect();
        assert_eq!(names, ["Ada", "bob"]);
        assert!(first.items.iter().all(|p| p.online));
        assert_eq!(first.next_cursor, Some(encode_cursor("bob")));
        let second = list
            .execute(PageRequest {
                after: Some("bob".into()),
                limit: 2,
            })
            .await
            .unwrap();
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.items[0].user.id, zed.id);
        assert_eq!(second.next_cursor, None);
    }

    #[tokio::test]
    async fn presence_failure_is_unexpected() {
        let mut presence = MockPresenceDirectory::new();
        presence
            .expect_online_users()
            .returning(|| Err("redis down".into()));
        let list = ListOnlineUsers::new(Arc::new(MockUserRepository::new()), Arc::new(presence));
        assert!(matches!(
            list.execute(PageRequest {
                after: None,
                limit: 2
            })
            .await,
            Err(ApplicationError::Unexpected(_))
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_find_many()
            .returning(|_| Err(palaver_domain::RepositoryError::unexpected("db down")));
        let list = ListOnlineUsers::new(Arc::new(users), presence_with(vec![user("ada").id]));
        assert!(matches!(
            list.execute(PageRequest {
                after: None,
                limit: 2
            })
            .await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
