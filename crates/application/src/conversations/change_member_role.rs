use super::access::membership;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{ConversationId, MemberRole};
use palaver_domain::ports::{Clock, ConversationRepository};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// The owner makes a member an admin, or an admin a member again.
pub struct ChangeMemberRole {
    conversations: Arc<dyn ConversationRepository>,
    clock: Arc<dyn Clock>,
}

impl ChangeMemberRole {
    pub fn new(conversations: Arc<dyn ConversationRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            conversations,
            clock,
        }
    }

    /// `NotFound("conversation")` for non-members, `NotFound("member")` when the target is
    /// not in it; `Forbidden` unless the caller is the owner (and not changing themself);
    /// `Validation` on `role` for anything but admin or member. Setting the role a member
    /// already has changes nothing and logs nothing.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        target: UserId,
        role: MemberRole,
    ) -> Result<(), ApplicationError> {
        let (conversation, member) = membership(self.conversations.as_ref(), id, actor).await?;
        if role == MemberRole::Owner {
            return Err(ValidationError::new("role", "must be \"admin\" or \"member\"").into());
        }
        let target_member = self
            .conversations
            .find_member(id, target)
            .await?
            .ok_or(ApplicationError::NotFound("member"))?;
        policy::may_change_role(conversation.kind, member.role, target_member.role)?;
        if target_member.role == role {
            return Ok(());
        }
        // The store checks the roles again under the conversation's lock: the owner may
        // have left (and handed on) since the look above.
        // It also announces the member.updated it logs, in seq order.
        self.conversations
            .set_member_role(id, actor.user_id, target, role, self.clock.now())
            .await
            .map_err(not_found_as("member"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, EventPayload};
    use palaver_domain::user::User;

    #[tokio::test]
    async fn the_owner_promotes_with_one_event() {
        let (owner, ann) = (user("own"), user("ann"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(
            &group,
            &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
        );
        let promoted = event(
            &group,
            11,
            EventPayload::MemberUpdated {
                user_id: ann.id,
                role: MemberRole::Admin,
            },
        );
        let (ann_id, owner_id) = (ann.id, owner.id);
        store
            .expect_set_member_role()
            .withf(move |_, actor, user, role, _| {
                *actor == owner_id && *user == ann_id && *role == MemberRole::Admin
            })
            .times(1)
            .returning(move |_, _, _, _, _| Ok(promoted.clone()));
        let change = ChangeMemberRole::new(Arc::new(store), fixed_clock());
        change
            .execute(&actor_for(&owner), group.id, ann.id, MemberRole::Admin)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_role_already_held_logs_nothing() {
        let (owner, ann) = (user("own"), user("ann"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(
            &group,
            &[(&owner, MemberRole::Owner), (&ann, MemberRole::Admin)],
        );
        store.expect_set_member_role().never();
        let change = ChangeMemberRole::new(Arc::new(store), fixed_clock());
        change
            .execute(&actor_for(&owner), group.id, ann.id, MemberRole::Admin)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_hand_off_that_won_the_race_is_not_undone() {
        let (owner, ann) = (user("own"), user("ann"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(
            &group,
            &[(&owner, MemberRole::Owner), (&ann, MemberRole::Admin)],
        );
        store.expect_set_member_role().returning(|_, _, _, _, _| {
            Err(palaver_domain::RepositoryError::Forbidden(
                "only the owner may change roles",
            ))
        });
        let change = ChangeMemberRole::new(Arc::new(store), fixed_clock());
        assert!(matches!(
            change
                .execute(&actor_for(&owner), group.id, ann.id, MemberRole::Member)
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn everyone_else_and_every_odd_request_is_refused() {
        let (owner, moderator, ann, eve) = (user("own"), user("mod"), user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let cases: Vec<(&User, UserId, MemberRole, &str)> = vec![
            (&moderator, ann.id, MemberRole::Admin, "forbidden"),
            (&ann, moderator.id, MemberRole::Member, "forbidden"),
            (&eve, ann.id, MemberRole::Admin, "conversation"),
            (&owner, owner.id, MemberRole::Member, "forbidden"),
            (&owner, ann.id, MemberRole::Owner, "validation"),
            (&owner, eve.id, MemberRole::Admin, "member"),
        ];
        for (who, target, role, expected) in cases {
            let mut store = store_with(
                &group,
                &[
                    (&owner, MemberRole::Owner),
                    (&moderator, MemberRole::Admin),
                    (&ann, MemberRole::Member),
                ],
            );
            store.expect_set_member_role().never();
            let change = ChangeMemberRole::new(Arc::new(store), fixed_clock());
            let error = change
                .execute(&actor_for(who), group.id, target, role)
                .await
                .unwrap_err();
            let matched = match expected {
                "forbidden" => matches!(error, ApplicationError::Forbidden(_)),
                "validation" => matches!(error, ApplicationError::Validation(_)),
                "member" => matches!(error, ApplicationError::NotFound("member")),
                _ => matches!(error, ApplicationError::NotFound("conversation")),
            };
            assert!(matched, "{expected}: {error:?}");
        }
    }
}
