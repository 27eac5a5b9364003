use super::access::membership;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::{Clock, ConversationRepository, Departure, Notifier};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// Removes a member (owner: anyone; admin: plain members) or lets a member leave. An owner
/// who leaves hands ownership on; the last one out deletes the conversation.
pub struct RemoveMember {
    conversations: Arc<dyn ConversationRepository>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl RemoveMember {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            conversations,
            notifier,
            clock,
        }
    }

    /// `NotFound("conversation")` for non-members, `NotFound("member")` when the target is
    /// not in it; `Forbidden` beyond one's role, and for leaving a direct conversation.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        target: UserId,
    ) -> Result<(), ApplicationError> {
        let (conversation, member) = membership(self.conversations.as_ref(), id, actor).await?;
        policy::may_leave(conversation.kind)?;
        if target != actor.user_id {
            let target_member = self
                .conversations
                .find_member(id, target)
                .await?
                .ok_or(ApplicationError::NotFound("member"))?;
            policy::may_remove_member(conversation.kind, member.role, target_member.role)?;
        }
        let departure = self
            .conversations
            .remove_member(id, actor.user_id, target, self.clock.now())
            .await
            .map_err(not_found_as("member"))?;
        announce(self.notifier.as_ref(), id, target, departure);
        Ok(())
    }
}

/// Tells the real-time side of a conversation the departure deleted. The events of a
/// departure that left it standing were announced by the store, in seq order, at the commit.
pub(crate) fn announce(
    notifier: &dyn Notifier,
    id: ConversationId,
    leaver: UserId,
    departure: Departure,
) {
    match departure {
        // The store announced the departure's events, in seq order, at the commit.
        Departure::Left { .. } => {}
        Departure::ConversationDeleted => notifier.notify(Notification::ConversationDeleted {
            conversation_id: id,
            user_ids: vec![leaver],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{Conversation, ConversationKind, EventPayload, MemberRole};
    use palaver_domain::user::User;

    fn left(group: &Conversation, who: &User) -> Departure {
        Departure::Left {
            events: vec![event(
                group,
                11,
                EventPayload::MemberLeft { user_id: who.id },
            )],
        }
    }

    #[tokio::test]
    async fn the_allowed_removals_each_log_their_events() {
        let (owner, moderator, ann, bob) = (user("own"), user("mod"), user("ann"), user("bob"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let cases: Vec<(&User, &User)> = vec![
            (&owner, &moderator),
            (&owner, &ann),
            (&moderator, &ann),
            (&ann, &ann),
            (&moderator, &moderator),
        ];
        for (who, target) in cases {
            let mut store = store_with(
                &group,
                &[
                    (&owner, MemberRole::Owner),
                    (&moderator, MemberRole::Admin),
                    (&ann, MemberRole::Member),
                    (&bob, MemberRole::Member),
                ],
            );
            let departure = left(&group, target);
            let (actor_id, target_id) = (who.id, target.id);
            store
                .expect_remove_member()
                .withf(move |_, actor, user, _| *actor == actor_id && *user == target_id)
                .times(1)
                .returning(move |_, _, _, _| Ok(departure.clone()));
            let remove = RemoveMember::new(Arc::new(store), notifier_expecting(0), fixed_clock());
            remove
                .execute(&actor_for(who), group.id, target.id)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn an_owner_leaving_hands_on_and_the_last_one_out_deletes() {
        let (owner, ann) = (user("own"), user("ann"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(
            &group,
            &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
        );
        let handed_on = Departure::Left {
            events: vec![
                event(&group, 11, EventPayload::MemberLeft { user_id: owner.id }),
                event(
                    &group,
                    12,
                    EventPayload::MemberUpdated {
                        user_id: ann.id,
                        role: MemberRole::Owner,
                    },
                ),
            ],
        };
        store
            .expect_remove_member()
            .times(1)
            .returning(move |_, _, _, _| Ok(handed_on.clone()));
        let remove = RemoveMember::new(Arc::new(store), notifier_expecting(0), fixed_clock());
        remove
            .execute(&actor_for(&owner), group.id, owner.id)
            .await
            .unwrap();

        let mut store = store_with(&group, &[(&owner, MemberRole::Owner)]);
        store
            .expect_remove_member()
            .times(1)
            .returning(|_, _, _, _| Ok(Departure::ConversationDeleted));
        let mut notifier = palaver_domain::ports::MockNotifier::new();
        let owner_id = owner.id;
        notifier
            .expect_notify()
            .withf(move |n| matches!(n, Notification::ConversationDeleted { user_ids, .. } if *user_ids == vec![owner_id]))
            .times(1)
            .return_const(());
        let remove = RemoveMember::new(Arc::new(store), Arc::new(notifier), fixed_clock());
        remove
            .execute(&actor_for(&owner), group.id, owner.id)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_role_lost_since_the_check_is_refused_by_the_store() {
        let (moderator, ann) = (user("mod"), user("ann"));
        let group = conversation(ConversationKind::Group, None);
        let mut store = store_with(
            &group,
            &[(&moderator, MemberRole::Admin), (&ann, MemberRole::Member)],
        );
        store.expect_remove_member().returning(|_, _, _, _| {
            Err(palaver_domain::RepositoryError::Forbidden(
                "owners remove anyone, admins remove plain members, members only leave",
            ))
        });
        let remove = RemoveMember::new(Arc::new(store), notifier_expecting(0), fixed_clock());
        assert!(matches!(
            remove
                .execute(&actor_for(&moderator), group.id, ann.id)
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }

    #[tokio::test]
    async fn removals_beyond_ones_role_are_refused() {
        let (owner, moderator, other_mod, ann, bob, eve) = (
            user("own"),
            user("mod"),
            user("mod2"),
            user("ann"),
            user("bob"),
            user("eve"),
        );
        let group = conversation(ConversationKind::Group, Some(&owner));
        let direct = conversation(ConversationKind::Direct, None);
        let cases: Vec<(&Conversation, &User, UserId, &str)> = vec![
            (&group, &ann, bob.id, "forbidden"),
            (&group, &moderator, other_mod.id, "forbidden"),
            (&group, &moderator, owner.id, "forbidden"),
            (&group, &eve, ann.id, "conversation"),
            (&group, &owner, eve.id, "member"),
            (&direct, &ann, ann.id, "forbidden"),
        ];
        for (target_conversation, who, target, expected) in cases {
            let mut store = store_with(
                target_conversation,
                &[
                    (&owner, MemberRole::Owner),
                    (&moderator, MemberRole::Admin),
                    (&other_mod, MemberRole::Admin),
                    (&ann, MemberRole::Member),
                    (&bob, MemberRole::Member),
                ],
            );
            store.expect_remove_member().never();
            let remove = RemoveMember::new(Arc::new(store), notifier_expecting(0), fixed_clock());
            let error = remove
                .execute(&actor_for(who), target_conversation.id, target)
                .await
                .unwrap_err();
            let matched = match expected {
                "forbidden" => matches!(error, ApplicationError::Forbidden(_)),
                "member" => matches!(error, ApplicationError::NotFound("member")),
                _ => matches!(error, ApplicationError::NotFound("conversation")),
            };
            assert!(matched, "{expected}: {error:?}");
        }
    }
}
