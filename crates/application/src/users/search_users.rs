use super::UserProfile;
use super::presence::with_presence;
use crate::ApplicationError;
use crate::page::{Page, PageRequest, encode_cursor};
use palaver_domain::ports::{PresenceDirectory, UserRepository, UserSearch};
use palaver_domain::text::SearchQuery;
use std::sync::Arc;

/// Lists users by username, optionally only those whose username, first or last name
/// contains the query text.
pub struct SearchUsers {
    users: Arc<dyn UserRepository>,
    presence: Arc<dyn PresenceDirectory>,
}

/// The longest search text accepted.
pub const MAX_QUERY_LEN: usize = 100;

impl SearchUsers {
    pub fn new(users: Arc<dyn UserRepository>, presence: Arc<dyn PresenceDirectory>) -> Self {
        Self { users, presence }
    }

    pub async fn execute(
        &self,
        query: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<UserProfile>, ApplicationError> {
        let text = query
            .filter(|q| !q.trim().is_empty())
            .map(|q| SearchQuery::parse(q, MAX_QUERY_LEN))
            .transpose()?;
        let users = self
            .users
            .search(&UserSearch {
                text: text.map(|q| q.as_str().to_owned()),
                after_username: page.after,
                limit: page.limit + 1,
            })
            .await?;
        let page = Page::from_lookahead(users, page.limit, |u| {
            encode_cursor(&u.username.canonical())
        });
        Ok(Page {
            items: with_presence(self.presence.as_ref(), page.items).await,
            next_cursor: page.next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockUserRepository;

    fn page(after: Option<&str>, limit: u64) -> PageRequest {
        PageRequest {
            after: after.map(str::to_owned),
            limit,
        }
    }

    #[tokio::test]
    async fn a_full_page_carries_a_cursor_to_the_next() {
        let found = vec![user("ada"), user("Bob"), user("cyd")];
        let mut users = MockUserRepository::new();
        users
            .expect_search()
            .withf(|s| s.text.as_deref() == Some("a") && s.after_username.is_none() && s.limit == 3)
            .returning(move |_| Ok(found.clone()));
        let search = SearchUsers::new(Arc::new(users), presence_with(vec![]));
        let result = search.execute(Some(" a "), page(None, 2)).await.unwrap();
        assert_eq!(result.items.len(), 2);
        assert_eq!(result.next_cursor, Some(encode_cursor("bob")));
    }

    #[tokio::test]
    async fn the_last_page_has_no_cursor_and_a_blank_query_matches_all() {
        let found = vec![user("ada")];
        let mut users = MockUserRepository::new();
        users
            .expect_search()
            .withf(|s| s.text.is_none() && s.after_username.as_deref() == Some("aaa"))
            .returning(move |_| Ok(found.clone()));
        let search = SearchUsers::new(Arc::new(users), presence_with(vec![]));
        let result = search
            .execute(Some("  "), page(Some("aaa"), 2))
            .await
            .unwrap();
        assert_eq!(result.items.len(), 1);
        assert_eq!(result.next_cursor, None);
    }

    #[tokio::test]
    async fn an_overlong_query_is_refused() {
        let search = SearchUsers::new(Arc::new(MockUserRepository::new()), presence_with(vec![]));
        let long = "x".repeat(MAX_QUERY_LEN + 1);
        assert!(matches!(
            search.execute(Some(&long), page(None, 5)).await,
            Err(ApplicationError::Validation(e)) if e.field == "q"
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_search()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let search = SearchUsers::new(Arc::new(users), presence_with(vec![]));
        assert!(matches!(
            search.execute(None, page(None, 5)).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
