use crate::ApplicationError;
use crate::error::not_found_as;
use chrono::{DateTime, Utc};
use palaver_domain::auth::Actor;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{ConversationNotifications, NotificationLevel};
use palaver_domain::ports::{ConversationRepository, PreferenceRepository};
use std::sync::Arc;

/// Sets the caller's notification level (and mute) for one conversation.
pub struct SetConversationNotifications {
    conversations: Arc<dyn ConversationRepository>,
    preferences: Arc<dyn PreferenceRepository>,
}

impl SetConversationNotifications {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        preferences: Arc<dyn PreferenceRepository>,
    ) -> Self {
        Self {
            conversations,
            preferences,
        }
    }

    /// `Validation` naming `level`; `NotFound` unless the caller is a member.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        level: &str,
        muted_until: Option<DateTime<Utc>>,
    ) -> Result<(), ApplicationError> {
        let level = NotificationLevel::parse(level)?;
        self.conversations
            .find_member(id, actor.user_id)
            .await?
            .ok_or(ApplicationError::NotFound("conversation"))?;
        self.preferences
            .set_conversation_notifications(
                id,
                actor.user_id,
                &ConversationNotifications { level, muted_until },
            )
            .await
            .map_err(not_found_as("conversation"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::ports::MockPreferenceRepository;

    #[tokio::test]
    async fn a_member_sets_their_level() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        let store = store_with(&group, &[(&ann, MemberRole::Member)]);
        let mut preferences = MockPreferenceRepository::new();
        preferences
            .expect_set_conversation_notifications()
            .withf(|_, _, s| s.level == NotificationLevel::Mentions)
            .times(1)
            .returning(|_, _, _| Ok(()));
        SetConversationNotifications::new(Arc::new(store), Arc::new(preferences))
            .execute(&actor_for(&ann), group.id, "mentions", None)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_non_member_gets_not_found_and_a_bad_level_is_named() {
        let ann = user("ann");
        let bob = user("bob");
        let group = conversation(ConversationKind::Group, None);
        let mut preferences = MockPreferenceRepository::new();
        preferences.expect_set_conversation_notifications().never();
        let set = SetConversationNotifications::new(
            Arc::new(store_with(&group, &[(&ann, MemberRole::Member)])),
            Arc::new(preferences),
        );
        let error = set
            .execute(&actor_for(&bob), group.id, "all", None)
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::NotFound("conversation")));
        let error = set
            .execute(&actor_for(&ann), group.id, "loud", None)
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::Validation(ref v) if v.field == "level"));
    }
}
