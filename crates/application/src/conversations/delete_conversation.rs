use super::access::visible;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::{ConversationRepository, Notifier};
use std::sync::Arc;

/// Deletes a conversation with its messages and events: its owner, a global admin, or for
/// a direct conversation either participant.
pub struct DeleteConversation {
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
}

impl DeleteConversation {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            conversations,
            notifier,
        }
    }

    /// `NotFound` for non-members; `Forbidden` for anyone else but those above.
    pub async fn execute(&self, actor: &Actor, id: ConversationId) -> Result<(), ApplicationError> {
        let (conversation, member) = visible(self.conversations.as_ref(), id, actor).await?;
        policy::may_delete_conversation(
            conversation.kind,
            member.map(|m| m.role),
            actor.is_admin(),
        )?;
        let user_ids = self
            .conversations
            .delete(id)
            .await
            .map_err(not_found_as("conversation"))?;
        self.notifier.notify(Notification::ConversationDeleted {
            conversation_id: id,
            user_ids,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};

    #[tokio::test]
    async fn the_owner_a_global_admin_or_a_direct_participant_deletes_once() {
        let (owner, moderator, root, ann) = (user("own"), user("mod"), admin("root"), user("ann"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let direct = conversation(ConversationKind::Direct, None);
        for (target, who) in [(&group, &owner), (&group, &root), (&direct, &ann)] {
            let mut store = store_with(
                target,
                &[
                    (&owner, MemberRole::Owner),
                    (&moderator, MemberRole::Admin),
                    (&ann, MemberRole::Member),
                ],
            );
            let ids = vec![owner.id, ann.id];
            store
                .expect_delete()
                .times(1)
                .returning(move |_| Ok(ids.clone()));
            let delete = DeleteConversation::new(Arc::new(store), notifier_expecting(1));
            delete.execute(&actor_for(who), target.id).await.unwrap();
        }
    }

    #[tokio::test]
    async fn admins_and_members_of_a_group_may_not_and_strangers_see_nothing() {
        let (owner, moderator, ann, eve) = (user("own"), user("mod"), user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        for (who, not_found) in [(&moderator, false), (&ann, false), (&eve, true)] {
            let mut store = store_with(
                &group,
                &[
                    (&owner, MemberRole::Owner),
                    (&moderator, MemberRole::Admin),
                    (&ann, MemberRole::Member),
                ],
            );
            store.expect_delete().never();
            let delete = DeleteConversation::new(Arc::new(store), notifier_expecting(0));
            let error = delete.execute(&actor_for(who), group.id).await.unwrap_err();
            if not_found {
                assert!(matches!(error, ApplicationError::NotFound("conversation")));
            } else {
                assert!(matches!(error, ApplicationError::Forbidden(_)));
            }
        }
    }
}
