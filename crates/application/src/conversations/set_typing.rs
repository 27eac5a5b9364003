use super::access::membership;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::{ConversationRepository, Notifier};
use std::sync::Arc;

/// Tells the other members that the caller started or stopped typing. Ephemeral: nothing
/// is stored and no seq is taken.
pub struct SetTyping {
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
}

impl SetTyping {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            conversations,
            notifier,
        }
    }

    /// `NotFound("conversation")` for non-members, as everywhere else; `Forbidden` for a
    /// plain member of a channel, who may not post there either.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        is_typing: bool,
    ) -> Result<(), ApplicationError> {
        let (conversation, member) = membership(self.conversations.as_ref(), id, actor).await?;
        // Typing announces a post: whoever may not post may not type.
        policy::may_post(conversation.kind, member.role)?;
        self.notifier.notify(Notification::Typing {
            conversation_id: id,
            user_id: actor.user_id,
            is_typing,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::ports::{MockConversationRepository, MockNotifier};

    #[tokio::test]
    async fn a_member_typing_is_announced_once() {
        let ann = user("ann");
        let group = conversation(ConversationKind::Group, None);
        for is_typing in [true, false] {
            let store = store_with(&group, &[(&ann, MemberRole::Member)]);
            let mut notifier = MockNotifier::new();
            let expected = Notification::Typing {
                conversation_id: group.id,
                user_id: ann.id,
                is_typing,
            };
            notifier
                .expect_notify()
                .withf(move |n| *n == expected)
                .times(1)
                .return_const(());
            let typing = SetTyping::new(Arc::new(store), Arc::new(notifier));
            typing
                .execute(&actor_for(&ann), group.id, is_typing)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn a_stranger_or_an_unknown_conversation_is_not_found_and_silent() {
        let (ann, eve) = (user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, None);
        for (who, id) in [(&eve, group.id), (&ann, ConversationId::generate())] {
            let store = store_with(&group, &[(&ann, MemberRole::Member)]);
            let typing = SetTyping::new(Arc::new(store), notifier_expecting(0));
            assert!(matches!(
                typing.execute(&actor_for(who), id, true).await,
                Err(ApplicationError::NotFound("conversation"))
            ));
        }
    }

    #[tokio::test]
    async fn only_those_who_may_post_in_a_channel_may_type_there() {
        let (owner, ann) = (user("own"), user("ann"));
        let channel = conversation(ConversationKind::Channel, Some(&owner));
        let store = store_with(
            &channel,
            &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
        );
        let typing = SetTyping::new(Arc::new(store), notifier_expecting(1));
        assert!(matches!(
            typing.execute(&actor_for(&ann), channel.id, true).await,
            Err(ApplicationError::Forbidden(_))
        ));
        typing
            .execute(&actor_for(&owner), channel.id, true)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected_and_silent() {
        let mut store = MockConversationRepository::new();
        store
            .expect_find_member()
            .returning(|_, _| Err(RepositoryError::unexpected("db down")));
        let typing = SetTyping::new(Arc::new(store), notifier_expecting(0));
        let group = conversation(ConversationKind::Group, None);
        assert!(matches!(
            typing
                .execute(&actor_for(&user("ann")), group.id, true)
                .await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
