use crate::ApplicationError;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{
    Conversation, ConversationId, ConversationKind, ConversationName, Member, MemberRole,
    Notification, direct_pair_key,
};
use palaver_domain::ports::{Clock, ConversationRepository, Notifier, UserRepository};
use palaver_domain::user::UserId;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The most users one request may add.
pub const MAX_MEMBERS_PER_REQUEST: usize = 1000;

#[derive(Debug, Clone)]
pub struct CreateConversationInput {
    pub kind: ConversationKind,
    pub name: Option<ConversationName>,
    pub member_ids: Vec<UserId>,
}

/// The conversation, and whether this call created it (a direct one may exist already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub conversation: Conversation,
    pub created: bool,
}

/// Starts a conversation. A direct one is unique per pair: asking again returns the one
/// there is. A group or channel gets the caller as owner and the others as members.
pub struct CreateConversation {
    conversations: Arc<dyn ConversationRepository>,
    users: Arc<dyn UserRepository>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl CreateConversation {
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

    /// `Validation` on `member_ids` (a direct conversation needs exactly one other user;
    /// unknown users) or `name` (required for groups and channels, not allowed for direct).
    pub async fn execute(
        &self,
        actor: &Actor,
        input: CreateConversationInput,
    ) -> Result<Created, ApplicationError> {
        let others: Vec<UserId> = input
            .member_ids
            .iter()
            .copied()
            .filter(|id| *id != actor.user_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if others.len() > MAX_MEMBERS_PER_REQUEST {
            return Err(ValidationError::new(
                "member_ids",
                format!("may name at most {MAX_MEMBERS_PER_REQUEST} users"),
            )
            .into());
        }
        require_existing_users(self.users.as_ref(), &others, "member_ids").await?;
        let now = self.clock.now();
        let mut conversation = Conversation {
            id: ConversationId::generate(),
            kind: input.kind,
            name: None,
            owner_id: None,
            created_at: now,
            updated_at: now,
            last_seq: 0,
            member_count: 0,
        };
        let member = |user, role| Member {
            conversation_id: conversation.id,
            user_id: user,
            role,
            joined_at: now,
            last_read_seq: 0,
            last_delivered_seq: 0,
        };
        if input.kind == ConversationKind::Direct {
            if input.name.is_some() {
                return Err(
                    ValidationError::new("name", "a direct conversation has no name").into(),
                );
            }
            let [other] = others[..] else {
                return Err(ValidationError::new(
                    "member_ids",
                    "a direct conversation needs exactly one other user",
                )
                .into());
            };
            let members = [
                member(actor.user_id, MemberRole::Member),
                member(other, MemberRole::Member),
            ];
            conversation.member_count = 2;
            let (conversation, created) = self
                .conversations
                .find_or_create_direct(
                    &conversation,
                    &members,
                    &direct_pair_key(actor.user_id, other),
                )
                .await?;
            if created {
                self.notifier.notify(Notification::ConversationCreated {
                    conversation: conversation.clone(),
                    user_ids: vec![actor.user_id, other],
                });
            }
            return Ok(Created {
                conversation,
                created,
            });
        }

        conversation.name =
            Some(input.name.ok_or_else(|| {
                ValidationError::new("name", "is required for a group or channel")
            })?);
        conversation.owner_id = Some(actor.user_id);
        let members: Vec<Member> = std::iter::once(member(actor.user_id, MemberRole::Owner))
            .chain(others.iter().map(|id| member(*id, MemberRole::Member)))
            .collect();
        conversation.member_count = u32::try_from(members.len()).unwrap_or(u32::MAX);
        self.conversations.create(&conversation, &members).await?;
        self.notifier.notify(Notification::ConversationCreated {
            conversation: conversation.clone(),
            user_ids: members.iter().map(|m| m.user_id).collect(),
        });
        Ok(Created {
            conversation,
            created: true,
        })
    }
}

/// `Validation` on `field` naming the ids that belong to nobody.
pub(crate) async fn require_existing_users(
    users: &dyn UserRepository,
    ids: &[UserId],
    field: &'static str,
) -> Result<(), ApplicationError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: BTreeSet<UserId> = users
        .find_many(ids)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| !found.contains(id))
        .map(ToString::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ValidationError::new(field, format!("no such users: {}", unknown.join(", "))).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockConversationRepository, MockUserRepository};
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

    fn input(
        kind: ConversationKind,
        name: Option<&str>,
        members: Vec<UserId>,
    ) -> CreateConversationInput {
        CreateConversationInput {
            kind,
            name: name.map(|n| ConversationName::parse(n).unwrap()),
            member_ids: members,
        }
    }

    #[tokio::test]
    async fn a_new_direct_conversation_is_announced_to_both_once() {
        let (ada, bob) = (user("ada"), user("bob"));
        let mut store = MockConversationRepository::new();
        let key = direct_pair_key(ada.id, bob.id);
        store
            .expect_find_or_create_direct()
            .withf(move |c, members, pair| {
                c.kind == ConversationKind::Direct
                    && c.owner_id.is_none()
                    && members.len() == 2
                    && members.iter().all(|m| m.role == MemberRole::Member)
                    && *pair == key
            })
            .times(1)
            .returning(|c, _, _| Ok((c.clone(), true)));
        let create = CreateConversation::new(
            Arc::new(store),
            users_knowing(vec![bob.clone()]),
            notifier_expecting(1),
            fixed_clock(),
        );
        let created = create
            .execute(
                &actor_for(&ada),
                input(ConversationKind::Direct, None, vec![bob.id, ada.id]),
            )
            .await
            .unwrap();
        assert!(created.created);
    }

    #[tokio::test]
    async fn an_existing_direct_conversation_is_returned_without_a_notification() {
        let (ada, bob) = (user("ada"), user("bob"));
        let existing = conversation(ConversationKind::Direct, None);
        let mut store = MockConversationRepository::new();
        let found = existing.clone();
        store
            .expect_find_or_create_direct()
            .returning(move |_, _, _| Ok((found.clone(), false)));
        let create = CreateConversation::new(
            Arc::new(store),
            users_knowing(vec![bob.clone()]),
            notifier_expecting(0),
            fixed_clock(),
        );
        let result = create
            .execute(
                &actor_for(&ada),
                input(ConversationKind::Direct, None, vec![bob.id]),
            )
            .await
            .unwrap();
        assert_eq!(
            result,
            Created {
                conversation: existing,
                created: false
            }
        );
    }

    #[tokio::test]
    async fn a_direct_conversation_needs_exactly_one_known_other_user_and_no_name() {
        let (ada, bob, cyd) = (user("ada"), user("bob"), user("cyd"));
        let cases = [
            input(ConversationKind::Direct, None, vec![]),
            input(ConversationKind::Direct, None, vec![ada.id]),
            input(ConversationKind::Direct, None, vec![bob.id, cyd.id]),
            input(ConversationKind::Direct, None, vec![UserId::generate()]),
            input(ConversationKind::Direct, Some("Us"), vec![bob.id]),
        ];
        for case in cases {
            let mut store = MockConversationRepository::new();
            store.expect_find_or_create_direct().never();
            let create = CreateConversation::new(
                Arc::new(store),
                users_knowing(vec![bob.clone(), cyd.clone()]),
                notifier_expecting(0),
                fixed_clock(),
            );
            let error = create
                .execute(&actor_for(&ada), case.clone())
                .await
                .unwrap_err();
            assert!(
                matches!(error, ApplicationError::Validation(_)),
                "{case:?}: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_group_makes_the_caller_owner_and_everyone_else_a_member() {
        let (ada, bob, cyd) = (user("ada"), user("bob"), user("cyd"));
        let mut store = MockConversationRepository::new();
        let (ada_id, bob_id, cyd_id) = (ada.id, bob.id, cyd.id);
        store
            .expect_create()
            .withf(move |c, members| {
                c.owner_id == Some(ada_id)
                    && c.member_count == 3
                    && c.last_seq == 0
                    && members
                        .iter()
                        .any(|m| m.user_id == ada_id && m.role == MemberRole::Owner)
                    && members
                        .iter()
                        .filter(|m| m.role == MemberRole::Member)
                        .count()
                        == 2
                    && members.iter().any(|m| m.user_id == bob_id)
                    && members.iter().any(|m| m.user_id == cyd_id)
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let mut notifier = palaver_domain::ports::MockNotifier::new();
        notifier
            .expect_notify()
            .withf(|n| matches!(n, Notification::ConversationCreated { user_ids, .. } if user_ids.len() == 3))
            .times(1)
            .return_const(());
        let create = CreateConversation::new(
            Arc::new(store),
            users_knowing(vec![bob.clone(), cyd.clone()]),
            Arc::new(notifier),
            fixed_clock(),
        );
        let created = create
            .execute(
                &actor_for(&ada),
                input(
                    ConversationKind::Channel,
                    Some("News"),
                    vec![bob.id, cyd.id, bob.id, ada.id],
                ),
            )
            .await
            .unwrap();
        assert_eq!(created.conversation.kind, ConversationKind::Channel);
    }

    #[tokio::test]
    async fn a_group_needs_a_name_and_known_members() {
        let (ada, bob) = (user("ada"), user("bob"));
        for case in [
            input(ConversationKind::Group, None, vec![bob.id]),
            input(
                ConversationKind::Group,
                Some("Team"),
                vec![UserId::generate()],
            ),
        ] {
            let mut store = MockConversationRepository::new();
            store.expect_create().never();
            let create = CreateConversation::new(
                Arc::new(store),
                users_knowing(vec![bob.clone()]),
                notifier_expecting(0),
                fixed_clock(),
            );
            assert!(matches!(
                create.execute(&actor_for(&ada), case).await,
                Err(ApplicationError::Validation(_))
            ));
        }
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected_and_announces_nothing() {
        let (ada, bob) = (user("ada"), user("bob"));
        let mut store = MockConversationRepository::new();
        store
            .expect_create()
            .returning(|_, _| Err(palaver_domain::RepositoryError::unexpected("db down")));
        let create = CreateConversation::new(
            Arc::new(store),
            users_knowing(vec![bob.clone()]),
            notifier_expecting(0),
            fixed_clock(),
        );
        assert!(matches!(
            create
                .execute(
                    &actor_for(&ada),
                    input(ConversationKind::Group, Some("T"), vec![bob.id])
                )
                .await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
