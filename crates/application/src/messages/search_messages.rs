use crate::ApplicationError;
use crate::page::{Page, PageRequest, encode_cursor};
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::Message;
use palaver_domain::conversation::highlight::highlights;
use palaver_domain::ports::{MessageRepository, SearchFilters};
use palaver_domain::text::SearchQuery;
use std::sync::Arc;

/// The longest search text accepted.
pub const MAX_QUERY_LEN: usize = 200;

/// A message a search found, with the fragments of its content around the matched words
/// (matches in `<mark>`, everything else HTML-escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub message: Message,
    pub highlights: Vec<String>,
}

/// Full-text search over the messages of the caller's conversations, best match first.
pub struct SearchMessages {
    messages: Arc<dyn MessageRepository>,
}

impl SearchMessages {
    pub fn new(messages: Arc<dyn MessageRepository>) -> Self {
        Self { messages }
    }

    /// `Validation` on `q` when blank or too long, on `cursor` when foreign.
    pub async fn execute(
        &self,
        actor: &Actor,
        query: &str,
        filters: &SearchFilters,
        page: PageRequest,
    ) -> Result<Page<SearchHit>, ApplicationError> {
        let query = SearchQuery::parse(query, MAX_QUERY_LEN)?;
        let offset = match page.after.as_deref() {
            None => 0,
            Some(position) => position.parse::<u64>().map_err(|_| {
                ValidationError::new("cursor", "is not a cursor this server issued")
            })?,
        };
        let items = self
            .messages
            .search(
                actor.user_id,
                query.as_str(),
                filters,
                offset,
                page.limit + 1,
            )
            .await?;
        let items = items
            .into_iter()
            .map(|message| SearchHit {
                highlights: message
                    .content
                    .as_ref()
                    .map(|content| highlights(content.as_str(), query.as_str()))
                    .unwrap_or_default(),
                message,
            })
            .collect();
        Ok(Page::from_lookahead(items, page.limit, |_| {
            encode_cursor(&(offset + page.limit).to_string())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::ConversationKind;
    use palaver_domain::ports::MockMessageRepository;

    #[tokio::test]
    async fn searches_as_the_caller_and_pages_by_offset() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let found: Vec<_> = (1..=3).map(|seq| message(&group, &ann, seq)).collect();
        let mut messages = MockMessageRepository::new();
        let ann_id = ann.id;
        messages
            .expect_search()
            .withf(move |user, text, filters, offset, limit| {
                *user == ann_id
                    && text == "hello"
                    && *filters == SearchFilters::default()
                    && *offset == 0
                    && *limit == 3
            })
            .returning(move |_, _, _, _, _| Ok(found.clone()));
        messages
            .expect_search()
            .withf(|_, _, _, offset, _| *offset == 2)
            .returning(|_, _, _, _, _| Ok(vec![]));
        let search = SearchMessages::new(Arc::new(messages));
        let first = search
            .execute(
                &actor_for(&ann),
                "  hello ",
                &SearchFilters::default(),
                PageRequest {
                    after: None,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.items[0].highlights, vec!["<mark>hello</mark>"]);
        let request = PageRequest::parse(first.next_cursor.as_deref(), Some(2)).unwrap();
        let second = search
            .execute(
                &actor_for(&ann),
                "hello",
                &SearchFilters::default(),
                request,
            )
            .await
            .unwrap();
        assert!(second.items.is_empty() && second.next_cursor.is_none());
    }

    #[tokio::test]
    async fn blank_or_overlong_queries_and_foreign_cursors_are_refused() {
        let search = SearchMessages::new(Arc::new(MockMessageRepository::new()));
        let ann = actor_for(&user("ann"));
        for (q, after) in [
            ("  ", None),
            (&"x".repeat(201)[..], None),
            ("hi", Some("abc".to_string())),
        ] {
            let page = PageRequest { after, limit: 5 };
            assert!(matches!(
                search
                    .execute(&ann, q, &SearchFilters::default(), page)
                    .await,
                Err(ApplicationError::Validation(_))
            ));
        }
    }
}
