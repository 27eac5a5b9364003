use super::access::visible;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{Conversation, ConversationId, MemberRole};
use palaver_domain::ports::ConversationRepository;
use std::sync::Arc;

/// A conversation with the caller's role in it (`None` for a global admin outside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationView {
    pub conversation: Conversation,
    pub my_role: Option<MemberRole>,
}

/// One conversation, for its members (and global admins).
pub struct GetConversation {
    conversations: Arc<dyn ConversationRepository>,
}

impl GetConversation {
    pub fn new(conversations: Arc<dyn ConversationRepository>) -> Self {
        Self { conversations }
    }

    /// `NotFound("conversation")` for non-members.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> Result<ConversationView, ApplicationError> {
        let (conversation, member) = visible(self.conversations.as_ref(), id, actor).await?;
        Ok(ConversationView {
            conversation,
            my_role: member.map(|m| m.role),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::ConversationKind;

    #[tokio::test]
    async fn members_and_global_admins_see_it_and_nobody_else_learns_it_exists() {
        let (owner, stranger, root) = (user("own"), user("eve"), admin("root"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let get =
            GetConversation::new(Arc::new(store_with(&group, &[(&owner, MemberRole::Owner)])));

        let seen = get.execute(&actor_for(&owner), group.id).await.unwrap();
        assert_eq!(seen.my_role, Some(MemberRole::Owner));
        let by_admin = get.execute(&actor_for(&root), group.id).await.unwrap();
        assert_eq!(by_admin.my_role, None);
        assert!(matches!(
            get.execute(&actor_for(&stranger), group.id).await,
            Err(ApplicationError::NotFound("conversation"))
        ));
        assert!(matches!(
            get.execute(&actor_for(&root), ConversationId::generate())
                .await,
            Err(ApplicationError::NotFound("conversation"))
        ));
    }
}
