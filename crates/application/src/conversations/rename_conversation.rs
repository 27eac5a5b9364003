use super::ConversationView;
use super::access::membership;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{Conversation, ConversationId, ConversationName, EventPayload};
use palaver_domain::ports::{Clock, ConversationRepository};
use std::sync::Arc;

/// Renames a group or channel: its owner and admins only.
pub struct RenameConversation {
    conversations: Arc<dyn ConversationRepository>,
    clock: Arc<dyn Clock>,
}

impl RenameConversation {
    pub fn new(conversations: Arc<dyn ConversationRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            conversations,
            clock,
        }
    }

    /// `NotFound` for non-members; `Forbidden` for plain members and direct conversations.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        name: ConversationName,
    ) -> Result<ConversationView, ApplicationError> {
        let (conversation, member) = membership(self.conversations.as_ref(), id, actor).await?;
        policy::may_rename(conversation.kind, member.role)?;
        let my_role = Some(member.role);
        if conversation.name.as_ref() == Some(&name) {
            return Ok(ConversationView {
                conversation,
                my_role,
            });
        }
        let event = self
            .conversations
            .rename(id, actor.user_id, &name, self.clock.now())
            .await
            .map_err(not_found_as("conversation"))?;
        let renamed = match &event.payload {
            EventPayload::ConversationUpdated { conversation } => conversation.clone(),
            _ => Conversation {
                name: Some(name),
                ..conversation
            },
        };
        Ok(ConversationView {
            conversation: renamed,
            my_role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};

    fn name() -> ConversationName {
        ConversationName::parse("New name").unwrap()
    }

    #[tokio::test]
    async fn owners_and_admins_rename_and_one_event_goes_out() {
        let (owner, moderator) = (user("own"), user("mod"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        for who in [&owner, &moderator] {
            let mut store = store_with(
                &group,
                &[(&owner, MemberRole::Owner), (&moderator, MemberRole::Admin)],
            );
            let renamed = Conversation {
                name: Some(name()),
                ..group.clone()
            };
            let event = event(
                &group,
                11,
                EventPayload::ConversationUpdated {
                    conversation: renamed,
                },
            );
            let who_id = who.id;
            store
                .expect_rename()
                .withf(move |_, actor, n, at| {
                    *actor == who_id && n.as_str() == "New name" && *at == now()
                })
                .times(1)
                .returning(move |_, _, _, _| Ok(event.clone()));
            let rename = RenameConversation::new(Arc::new(store), fixed_clock());
            let result = rename
                .execute(&actor_for(who), group.id, name())
                .await
                .unwrap();
            assert_eq!(result.conversation.name.unwrap().as_str(), "New name");
        }
    }

    #[tokio::test]
    async fn renaming_to_the_current_name_logs_nothing() {
        let owner = user("own");
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(&group, &[(&owner, MemberRole::Owner)]);
        store.expect_rename().never();
        let rename = RenameConversation::new(Arc::new(store), fixed_clock());
        let same = group.name.clone().unwrap();
        let view = rename
            .execute(&actor_for(&owner), group.id, same)
            .await
            .unwrap();
        assert_eq!(view.my_role, Some(MemberRole::Owner));
    }

    #[tokio::test]
    async fn members_are_forbidden_strangers_see_nothing_and_direct_has_no_name() {
        let (owner, plain, stranger) = (user("own"), user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let direct = conversation(ConversationKind::Direct, None);
        let cases = [
            (group.clone(), &plain, "forbidden"),
            (group.clone(), &stranger, "not_found"),
            (direct.clone(), &owner, "forbidden"),
        ];
        for (target, who, expected) in cases {
            let mut store = store_with(
                &target,
                &[(&owner, MemberRole::Owner), (&plain, MemberRole::Member)],
            );
            store.expect_rename().never();
            let rename = RenameConversation::new(Arc::new(store), fixed_clock());
            let error = rename
                .execute(&actor_for(who), target.id, name())
                .await
                .unwrap_err();
            let matched = match expected {
                "forbidden" => matches!(error, ApplicationError::Forbidden(_)),
                _ => matches!(error, ApplicationError::NotFound("conversation")),
            };
            assert!(matched, "{expected}: {error:?}");
        }
    }
}
