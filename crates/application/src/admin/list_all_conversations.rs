use crate::ApplicationError;
use crate::page::{Page, PageRequest, decode_time_cursor, encode_time_cursor};
use crate::users::MAX_QUERY_LEN;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{Conversation, ConversationId};
use palaver_domain::ports::{AdminDirectory, AllConversationsQuery, CreatedCursor};
use palaver_domain::text::SearchQuery;
use std::sync::Arc;

/// Every conversation on the server, newest first, optionally only those whose name
/// contains the query text: for global admins only.
pub struct ListAllConversations {
    directory: Arc<dyn AdminDirectory>,
}

impl ListAllConversations {
    pub fn new(directory: Arc<dyn AdminDirectory>) -> Self {
        Self { directory }
    }

    /// `Forbidden` unless the actor is a global admin; `Validation` on `q` (over 100
    /// characters, or holding control characters) or a cursor this list did not issue.
    pub async fn execute(
        &self,
        actor: &Actor,
        query: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Conversation>, ApplicationError> {
        if !actor.is_admin() {
            return Err(ApplicationError::Forbidden(
                "only an admin may list every conversation",
            ));
        }
        let text = query
            .filter(|q| !q.trim().is_empty())
            .map(|q| SearchQuery::parse(q, MAX_QUERY_LEN))
            .transpose()?;
        let after = page
            .after
            .as_deref()
            .map(decode_time_cursor)
            .transpose()?
            .map(|(created_at, id)| CreatedCursor {
                created_at,
                conversation_id: ConversationId::from_uuid(id),
            });
        let found = self
            .directory
            .all_conversations(&AllConversationsQuery {
                name_contains: text.map(|q| q.as_str().to_lowercase()),
                after,
                limit: page.limit + 1,
            })
            .await?;
        Ok(Page::from_lookahead(found, page.limit, |c| {
            encode_time_cursor(c.created_at, c.id.as_uuid())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::conversation;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::conversation::ConversationKind;
    use palaver_domain::ports::MockAdminDirectory;

    fn page(cursor: Option<&str>, limit: u64) -> PageRequest {
        PageRequest::parse(cursor, Some(limit)).unwrap()
    }

    #[tokio::test]
    async fn someone_who_is_not_an_admin_is_refused_before_any_read() {
        let mut directory = MockAdminDirectory::new();
        directory.expect_all_conversations().never();
        let result = ListAllConversations::new(Arc::new(directory))
            .execute(&actor_for(&user("ada")), None, page(None, 10))
            .await;
        assert!(matches!(result, Err(ApplicationError::Forbidden(_))));
    }

    #[tokio::test]
    async fn pages_continue_after_the_last_conversation_shown() {
        let owner = admin("root");
        let all: Vec<_> = (0..3)
            .map(|_| conversation(ConversationKind::Group, Some(&owner)))
            .collect();
        let mut directory = MockAdminDirectory::new();
        let first_two = all.clone();
        directory
            .expect_all_conversations()
            .withf(|q| {
                q.limit == 3 && q.after.is_none() && q.name_contains.as_deref() == Some("team")
            })
            .returning(move |_| Ok(first_two.clone()));
        let second = all[1].clone();
        directory
            .expect_all_conversations()
            .withf(move |q| {
                q.after
                    == Some(CreatedCursor {
                        created_at: second.created_at,
                        conversation_id: second.id,
                    })
            })
            .returning(|_| Ok(Vec::new()));
        let use_case = ListAllConversations::new(Arc::new(directory));
        let actor = actor_for(&owner);

        let first = use_case
            .execute(&actor, Some("  Team "), page(None, 2))
            .await
            .unwrap();
        assert_eq!(first.items, all[..2].to_vec());
        let cursor = first.next_cursor.expect("a third conversation remains");
        let rest = use_case
            .execute(&actor, None, page(Some(&cursor), 2))
            .await
            .unwrap();
        assert!(rest.items.is_empty() && rest.next_cursor.is_none());
    }

    #[tokio::test]
    async fn an_overlong_or_control_character_query_and_a_foreign_cursor_are_validation_errors() {
        let mut directory = MockAdminDirectory::new();
        directory.expect_all_conversations().never();
        let use_case = ListAllConversations::new(Arc::new(directory));
        let actor = actor_for(&admin("root"));
        let long = "x".repeat(MAX_QUERY_LEN + 1);
        let too_long = use_case.execute(&actor, Some(&long), page(None, 5)).await;
        assert!(matches!(too_long, Err(ApplicationError::Validation(e)) if e.field == "q"));
        let nul = use_case.execute(&actor, Some("a\0b"), page(None, 5)).await;
        assert!(matches!(nul, Err(ApplicationError::Validation(e)) if e.field == "q"));
        let foreign = crate::page::encode_cursor("not-a-time-cursor");
        let bad_cursor = use_case
            .execute(&actor, None, page(Some(&foreign), 5))
            .await;
        assert!(matches!(bad_cursor, Err(ApplicationError::Validation(e)) if e.field == "cursor"));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut directory = MockAdminDirectory::new();
        directory
            .expect_all_conversations()
            .returning(|_| Err(RepositoryError::Unexpected("pool gone".into())));
        let result = ListAllConversations::new(Arc::new(directory))
            .execute(&actor_for(&admin("root")), None, page(None, 5))
            .await;
        assert!(matches!(result, Err(ApplicationError::Unexpected(_))));
    }
}
