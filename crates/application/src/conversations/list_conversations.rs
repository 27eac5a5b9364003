use crate::ApplicationError;
use crate::page::{Page, PageRequest, decode_time_cursor, encode_time_cursor};
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, ConversationSummary};
use palaver_domain::ports::{ConversationCursor, ConversationRepository};
use std::sync::Arc;

/// The caller's conversations, latest activity first, each with its last message, unread
/// count and the caller's role.
pub struct ListConversations {
    conversations: Arc<dyn ConversationRepository>,
}

impl ListConversations {
    pub fn new(conversations: Arc<dyn ConversationRepository>) -> Self {
        Self { conversations }
    }

    pub async fn execute(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ConversationSummary>, ApplicationError> {
        let after = page
            .after
            .as_deref()
            .map(decode_time_cursor)
            .transpose()?
            .map(|(last_activity_at, id)| ConversationCursor {
                last_activity_at,
                conversation_id: ConversationId::from_uuid(id),
            });
        let items = self
            .conversations
            .list_for_user(actor.user_id, after, page.limit + 1)
            .await?;
        Ok(Page::from_lookahead(items, page.limit, |s| {
            encode_time_cursor(s.last_activity_at, s.conversation.id.as_uuid())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::ports::MockConversationRepository;

    fn summary(owner: &palaver_domain::user::User) -> ConversationSummary {
        ConversationSummary {
            conversation: conversation(ConversationKind::Group, Some(owner)),
            my_role: MemberRole::Owner,
            last_message: None,
            unread_count: 0,
            last_activity_at: now(),
        }
    }

    #[tokio::test]
    async fn pages_by_activity_with_a_cursor_the_next_call_understands() {
        let ada = user("ada");
        let page_of_three = vec![summary(&ada), summary(&ada), summary(&ada)];
        let second = page_of_three[1].clone();
        let mut store = MockConversationRepository::new();
        let user_id = ada.id;
        store
            .expect_list_for_user()
            .withf(move |user, after, limit| *user == user_id && after.is_none() && *limit == 3)
            .times(1)
            .returning(move |_, _, _| Ok(page_of_three.clone()));
        let expected_after = ConversationCursor {
            last_activity_at: second.last_activity_at,
            conversation_id: second.conversation.id,
        };
        store
            .expect_list_for_user()
            .withf(move |_, after, _| *after == Some(expected_after))
            .times(1)
            .returning(|_, _, _| Ok(vec![]));
        let list = ListConversations::new(Arc::new(store));
        let first = list
            .execute(
                &actor_for(&ada),
                PageRequest {
                    after: None,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(first.items.len(), 2);
        let cursor = first.next_cursor.unwrap();
        let request = PageRequest::parse(Some(&cursor), Some(2)).unwrap();
        let next = list.execute(&actor_for(&ada), request).await.unwrap();
        assert!(next.items.is_empty() && next.next_cursor.is_none());
    }

    #[tokio::test]
    async fn a_foreign_cursor_is_refused() {
        let list = ListConversations::new(Arc::new(MockConversationRepository::new()));
        let request = PageRequest {
            after: Some("ada".into()),
            limit: 2,
        };
        assert!(matches!(
            list.execute(&actor_for(&user("ada")), request).await,
            Err(ApplicationError::Validation(e)) if e.field == "cursor"
        ));
    }
}
