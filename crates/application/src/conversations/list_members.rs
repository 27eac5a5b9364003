use super::access::visible;
use crate::ApplicationError;
use crate::page::{Page, PageRequest, decode_time_cursor, encode_time_cursor};
use crate::users::UserProfile;
use crate::users::with_presence;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Member};
use palaver_domain::ports::{
    ConversationRepository, MemberCursor, PresenceDirectory, UserRepository,
};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// A member with their profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberProfile {
    pub member: Member,
    pub profile: UserProfile,
}

/// A conversation's members, longest-standing first, for its members (and global admins).
pub struct ListMembers {
    conversations: Arc<dyn ConversationRepository>,
    users: Arc<dyn UserRepository>,
    presence: Arc<dyn PresenceDirectory>,
}

impl ListMembers {
    pub fn new(
        conversations: Arc<dyn ConversationRepository>,
        users: Arc<dyn UserRepository>,
        presence: Arc<dyn PresenceDirectory>,
    ) -> Self {
        Self {
            conversations,
            users,
            presence,
        }
    }

    /// `NotFound` for non-members.
    pub async fn execute(
        &self,
        actor: &Actor,
        id: ConversationId,
        page: PageRequest,
    ) -> Result<Page<MemberProfile>, ApplicationError> {
        visible(self.conversations.as_ref(), id, actor).await?;
        let after = page
            .after
            .as_deref()
            .map(decode_time_cursor)
            .transpose()?
            .map(|(joined_at, user)| MemberCursor {
                joined_at,
                user_id: UserId::from_uuid(user),
            });
        let members = self
            .conversations
            .list_members(id, after, page.limit + 1)
            .await?;
        let Page {
            items: members,
            next_cursor,
        } = Page::from_lookahead(members, page.limit, |m| {
            encode_time_cursor(m.joined_at, m.user_id.as_uuid())
        });
        let ids: Vec<UserId> = members.iter().map(|m| m.user_id).collect();
        let profiles =
            with_presence(self.presence.as_ref(), self.users.find_many(&ids).await?).await;
        // A member whose account vanished between the two reads is left out.
        let items = members
            .into_iter()
            .filter_map(|member| {
                profiles
                    .iter()
                    .find(|p| p.user.id == member.user_id)
                    .map(|profile| MemberProfile {
                        member,
                        profile: profile.clone(),
                    })
            })
            .collect();
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::conversations::*;
    use crate::test_support::*;
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::ports::MockUserRepository;

    #[tokio::test]
    async fn members_see_the_members_with_profiles_and_strangers_see_nothing() {
        let (owner, ann, eve) = (user("own"), user("ann"), user("eve"));
        let group = conversation(ConversationKind::Group, Some(&owner));
        let mut store = store_with(
            &group,
            &[(&owner, MemberRole::Owner), (&ann, MemberRole::Member)],
        );
        let listed = vec![
            member(&group, &owner, MemberRole::Owner),
            member(&group, &ann, MemberRole::Member),
        ];
        store
            .expect_list_members()
            .returning(move |_, _, _| Ok(listed.clone()));
        let mut users = MockUserRepository::new();
        let known = vec![owner.clone(), ann.clone()];
        users
            .expect_find_many()
            .returning(move |_| Ok(known.clone()));
        let list = ListMembers::new(
            Arc::new(store),
            Arc::new(users),
            presence_with(vec![ann.id]),
        );

        let page = list
            .execute(
                &actor_for(&ann),
                group.id,
                PageRequest {
                    after: None,
                    limit: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].member.role, MemberRole::Owner);
        assert_eq!(page.items[0].profile.user.id, owner.id);
        assert!(page.next_cursor.is_some());

        assert!(matches!(
            list.execute(
                &actor_for(&eve),
                group.id,
                PageRequest {
                    after: None,
                    limit: 1
                }
            )
            .await,
            Err(ApplicationError::NotFound("conversation"))
        ));
    }
}
