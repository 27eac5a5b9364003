use super::access::membership;
use super::create_conversation::{MAX_MEMBERS_PER_REQUEST, require_existing_users};
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{ConversationId, EventPayload, Notification};
use palaver_domain::ports::{Clock, ConversationRepository, Notifier, UserRepository};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// The owner or an admin adds users to a group or channel. Users already in are skipped.
pub struct AddMembers {
    conversations: Arc<dyn ConversationRepository>,
    users: Arc<dyn UserRepository>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl AddMembers {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        users: Arc<dyn UserRepository>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            conversations,
            users,
            notifier,
            clock,
        }
    }

    /// Returns who was added. `NotFound` for non-members; `Forbidden` for plain members
    /// and direct conversations; `Validation` on `user_ids` for unknown users.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        user_ids: Vec<UserId>,
    ) -> Result<Vec<UserId>, ApplicationError> {
        let (conversation, member) = membership(self.conversations.as_ref(), id, actor).await?;
        policy::may_add_members(conversation.kind, member.role)?;
        if user_ids.is_empty() || user_ids.len() > MAX_MEMBERS_PER_REQUEST {
            return Err(ValidationError::new(
                "user_ids",
                format!("must name 1 to {MAX_MEMBERS_PER_REQUEST} users"),
            )
            .into());
        }
        require_existing_users(self.users.as_ref(), &user_ids, "user_ids").await?;
        let events = self
            .conversations
            .add_members(id, actor.user_id, &user_ids, self.clock.now())
            .await
            .map_err(not_found_as("conversation"))?;
        let added: Vec<UserId> = events
            .iter()
            .filter_map(|e| match e.payload {
                EventPayload::MemberJoined { user_id, .. } => Some(user_id),
                _ => None,
            })
            .collect();
        // The events themselves were announced by the store, in seq order, at the commit.
        if !added.is_empty() {
            // The newcomers learn of the conversation itself, as it stands now. The members
            // are added by now, so a failed read only costs them that push.
            match self.conversations.find(id).await {
                Ok(Some(conversation)) => self.notifier.notify(Notification::ConversationCreated {
                    conversation,
                    user_ids: added.clone(),
                }),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, conversation_id = %id, "newcomers not told"),
            }
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::ports::MockUserRepository;
    use palaver_domain::user::User;

    fn users_knowing(known: Vec<User>) -> Arc<MockUserRepository> {
        let mut users = MockUserRepository::new();
        users.expect_find_many().returning(move |ids| {
            Ok(known
                .iter()
                .filter(|u| ids.contains(&u.id))
                .cloned()
                .collect())
        });
        Arc::new(users)
    }

    #[tokio::test]
    async fn moderators_add_and_each_newcomer_is_one_event_plus_the_conversation() {
        let (owner, moderator, bob, cyd) = (user("own"), user("mod"), user("bob"), user("cyd"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        for who in [&owner, &moderator] {
            let mut store = store_with(
                &group,
                &[(&owner, MemberRole::Owner), (&moderator, MemberRole::Admin)],
            );
            let joined = vec![
                event(
                    &group,
                    11,
                    EventPayload::MemberJoined {
                        user_id: bob.id,
                        role: MemberRole::Member,
                    },
                ),
                event(
                    &group,
                    12,
                    EventPayload::MemberJoined {
                        user_id: cyd.id,
                        role: MemberRole::Member,
                    },
                ),
            ];
            let who_id = who.id;
            store
                .expect_add_members()
                .withf(move |_, actor, _, _| *actor == who_id)
                .times(1)
                .returning(move |_, _, _, _| Ok(joined.clone()));
            // Only the newcomers' conversation.created: the store announced the events.
            let mut notifier = palaver_domain::ports::MockNotifier::new();
            notifier
                .expect_notify()
                .withf(|n| matches!(n, Notification::ConversationCreated { user_ids, .. } if user_ids.len() == 2))
                .times(1)
                .return_const(());
            let add = AddMembers::new(
                Arc::new(store),
                users_knowing(vec![bob.clone(), cyd.clone()]),
                Arc::new(notifier),
                fixed_clock(),
            );
            let added = add
                .execute(&actor_for(who), group.id, vec![bob.id, cyd.id])
                .await
                .unwrap();
            assert_eq!(added, vec![bob.id, cyd.id]);
        }
    }

    #[tokio::test]
    async fn adding_only_existing_members_announces_nothing() {
        let (owner, bob) = (user("own"), user("bob"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(
            &group,
            &[(&owner, MemberRole::Owner), (&bob, MemberRole::Member)],
        );
        store
            .expect_add_members()
            .returning(|_, _, _, _| Ok(vec![]));
        let add = AddMembers::new(
            Arc::new(store),
            users_knowing(vec![bob.clone()]),
            notifier_expecting(0),
            fixed_clock(),
        );
        assert!(
            add.execute(&actor_for(&owner), group.id, vec![bob.id])
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn the_rules_refuse_members_strangers_direct_and_unknown_users() {
        let (owner, ann, eve, bob) = (user("own"), user("ann"), user("eve"), user("bob"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let direct = conversation(ConversationKind::Direct, None);
        let cases: Vec<(
            &palaver_domain::conversation::Conversation,
            &User,
            Vec<UserId>,
            &str,
        )> = vec![
            (&group, &ann, vec![bob.id], "forbidden"),
            (&group, &eve, vec![bob.id], "not_found"),
            (&direct, &owner, vec![bob.id], "forbidden"),
            (&group, &owner, vec![UserId::generate()], "validation"),
            (&group, &owner, vec![], "validation"),
        ];
        for (target, who, ids, expected) in cases {
            let mut store = store_with(
                target,
                &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
            );
            store.expect_add_members().never();
            let add = AddMembers::new(
                Arc::new(store),
                users_knowing(vec![bob.clone()]),
                notifier_expecting(0),
                fixed_clock(),
            );
            let error = add
                .execute(&actor_for(who), target.id, ids)
                .await
                .unwrap_err();
            let matched = match expected {
                "forbidden" => matches!(error, ApplicationError::Forbidden(_)),
                "not_found" => matches!(error, ApplicationError::NotFound("conversation")),
                _ => matches!(error, ApplicationError::Validation(ref v) if v.field == "user_ids"),
            };
            assert!(matched, "{expected}: {error:?}");
        }
    }
}
