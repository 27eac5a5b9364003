use super::access::membership;
use crate::ApplicationError;
use crate::page::{DEFAULT_LIMIT, MAX_LIMIT, trim_lookahead};
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationEvent, ConversationId};
use palaver_domain::ports::ConversationRepository;
use std::sync::Arc;

/// A page of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<ConversationEvent>,
    pub has_more: bool,
}

/// Exactly the events after a seq, in order: how a client catches up on what it missed.
pub struct ListEvents {
    conversations: Arc<dyn ConversationRepository>,
}

impl ListEvents {
    pub fn new(conversations: Arc<dyn ConversationRepository>) -> Self {
        Self { conversations }
    }

    /// `NotFound` for non-members; `Validation` on a negative `after_seq` or a `limit`
    /// outside 1 to 200 (50 when absent).
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        after_seq: i64,
        limit: Option<u64>,
    ) -> Result<EventPage, ApplicationError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ValidationError::new("limit", format!("must be 1 to {MAX_LIMIT}")).into());
        }
        if after_seq < 0 {
            return Err(ValidationError::new("after_seq", "must not be negative").into());
        }
        membership(self.conversations.as_ref(), id, actor).await?;
        let mut events = self
            .conversations
            .list_events(id, after_seq, limit + 1)
            .await?;
        let has_more = trim_lookahead(&mut events, limit);
        Ok(EventPage { events, has_more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, EventPayload, MemberRole};

    #[tokio::test]
    async fn members_read_the_log_after_a_seq_a_page_at_a_time() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let mut store = store_with(&group, &[(&ann, MemberRole::Member)]);
        let log: Vec<_> = (4..=6)
            .map(|seq| event(&group, seq, EventPayload::MemberLeft { user_id: ann.id }))
            .collect();
        store
            .expect_list_events()
            .withf(|_, after, limit| *after == 3 && *limit == 3)
            .returning(move |_, _, _| Ok(log.clone()));
        let list = ListEvents::new(Arc::new(store));
        let page = list
            .execute(&actor_for(&ann), group.id, 3, Some(2))
            .await
            .unwrap();
        assert_eq!(
            page.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [4, 5]
        );
        assert!(page.has_more);
    }

    #[tokio::test]
    async fn strangers_and_bad_bounds_are_refused() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        let list = ListEvents::new(Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])));
        assert!(matches!(
            list.execute(&actor_for(&eve), group.id, 0, None).await,
            Err(ApplicationError::NotFound(_))
        ));
        assert!(matches!(
            list.execute(&actor_for(&ann), group.id, -1, None).await,
            Err(ApplicationError::Validation(_))
        ));
        assert!(matches!(
            list.execute(&actor_for(&ann), group.id, 0, Some(0)).await,
            Err(ApplicationError::Validation(_))
        ));
    }
}
