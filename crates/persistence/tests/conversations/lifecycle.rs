//! Creating and deleting conversations, and deleting users who took part in them.

use crate::common::now;
use crate::fixtures::{
    chat_with, current, events, group, group_at, ids, member, new_conversation, say,
};
use chrono::Duration;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationId, ConversationKind, EventPayload, MemberRole};
use palaver_domain::ports::{
    ConversationRepository, Departure, MemberCursor, MessageRepository, SeqWindow, UserRepository,
};
use palaver_domain::user::UserId;
use std::collections::BTreeSet;

#[tokio::test]
async fn a_group_is_stored_with_its_members_and_pages_them_oldest_first() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let t0 = now();
    let team = group_at(&chat, "Team", ada, &[bob], t0).await;
    assert_eq!(
        chat.conversations.find(team.id).await.unwrap(),
        Some(team.clone())
    );
    assert_eq!(
        chat.conversations
            .find(ConversationId::generate())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        chat.conversations.find_member(team.id, ada).await.unwrap(),
        Some(member(team.id, ada, MemberRole::Owner, t0))
    );
    assert_eq!(
        chat.conversations.find_member(team.id, cyd).await.unwrap(),
        None
    );

    let later = t0 + Duration::seconds(5);
    chat.conversations
        .add_members(team.id, ada, &[cyd], later)
        .await
        .unwrap();
    // ada and bob joined together: the lower id comes first among them.
    let mut founders = [ada, bob];
    founders.sort();
    let expected = [founders[0], founders[1], cyd];
    let first = chat
        .conversations
        .list_members(team.id, None, 2)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        expected[..2]
    );
    let cursor = MemberCursor {
        joined_at: first[1].joined_at,
        user_id: first[1].user_id,
    };
    let rest = chat
        .conversations
        .list_members(team.id, Some(cursor), 2)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|m| m.user_id).collect::<Vec<_>>(), [cyd]);
    assert_eq!(rest[0].joined_at, later);
    assert_eq!(
        chat.conversations.member_ids(team.id).await.unwrap(),
        expected
    );
    assert_eq!(
        chat.conversations.memberships_of(cyd).await.unwrap(),
        [team.id]
    );
    assert!(
        chat.conversations
            .memberships_of(UserId::generate())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn creating_with_an_unknown_user_stores_nothing() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let at = now();
    let conversation = new_conversation(ConversationKind::Group, Some("ghosts"), Some(ada), 2, at);
    let members = [
        member(conversation.id, ada, MemberRole::Owner, at),
        member(conversation.id, UserId::generate(), MemberRole::Member, at),
    ];
    assert!(matches!(
        chat.conversations.create(&conversation, &members).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(
        chat.conversations.find(conversation.id).await.unwrap(),
        None
    );
    assert!(matches!(
        chat.conversations
            .find_or_create_direct(&conversation, &members, "a:b")
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(
        chat.conversations
            .memberships_of(ada)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_last_member_leaving_deletes_the_conversation_with_its_messages_and_events() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    let hello = say(&chat, team.id, bob, "hello").await;
    assert!(matches!(
        chat.conversations
            .remove_member(team.id, bob, bob, now())
            .await
            .unwrap(),
        Departure::Left { .. }
    ));
    assert_eq!(
        chat.conversations
            .remove_member(team.id, ada, ada, now())
            .await
            .unwrap(),
        Departure::ConversationDeleted
    );
    assert_eq!(chat.conversations.find(team.id).await.unwrap(), None);
    assert_eq!(chat.messages.find(hello.id).await.unwrap(), None);
    assert!(events(&chat, team.id).await.is_empty());
    assert!(
        chat.conversations
            .memberships_of(ada)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        chat.conversations
            .remove_member(team.id, ada, ada, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
}

#[tokio::test]
async fn deleting_a_conversation_removes_its_members_messages_and_events() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    let kept = group(&chat, "Kept", ada, &[bob]).await;
    let hello = say(&chat, team.id, bob, "hello there").await;
    let other = say(&chat, kept.id, bob, "hello kept").await;

    let members: BTreeSet<UserId> = chat
        .conversations
        .delete(team.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(members, BTreeSet::from([ada, bob]));
    assert_eq!(chat.conversations.find(team.id).await.unwrap(), None);
    assert_eq!(
        chat.conversations.find_member(team.id, ada).await.unwrap(),
        None
    );
    assert_eq!(chat.messages.find(hello.id).await.unwrap(), None);
    assert!(events(&chat, team.id).await.is_empty());
    let page = chat
        .messages
        .list(team.id, SeqWindow::Newest, 10)
        .await
        .unwrap();
    assert!(page.messages.is_empty() && !page.has_more);
    assert_eq!(
        chat.conversations.memberships_of(ada).await.unwrap(),
        [kept.id]
    );
    assert_eq!(
        ids(&chat
            .messages
            .search(ada, "hello", &Default::default(), 0, 10)
            .await
            .unwrap()),
        [other.id]
    );
    assert!(matches!(
        chat.conversations.delete(team.id).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(chat.messages.find(other.id).await.unwrap(), Some(other));
}

#[tokio::test]
async fn deleting_a_user_keeps_their_messages_without_a_sender() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    let said = say(&chat, team.id, ada, "remember me").await;
    // Members leave first, with events, rather than vanish by cascade.
    chat.conversations
        .remove_member(team.id, ada, ada, now())
        .await
        .unwrap();
    chat.users.delete(ada).await.unwrap();

    let kept = chat.messages.find(said.id).await.unwrap().unwrap();
    assert_eq!(kept.sender_id, None);
    assert_eq!(kept.content, said.content);
    assert_eq!(current(&chat, team.id).await.owner_id, Some(bob));
    let log = events(&chat, team.id).await;
    assert_eq!(
        log[0].payload,
        EventPayload::MessageCreated { message: kept }
    );
}

#[tokio::test]
async fn a_user_who_still_belongs_to_a_conversation_is_not_deleted() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    let said = say(&chat, team.id, bob, "still here").await;
    assert!(matches!(
        chat.users.delete(bob).await,
        Err(RepositoryError::Conflict {
            field: palaver_domain::Taken::Memberships
        })
    ));
    assert!(chat.users.find_by_id(bob).await.unwrap().is_some());
    assert!(
        chat.conversations
            .find_member(team.id, bob)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        chat.messages
            .find(said.id)
            .await
            .unwrap()
            .unwrap()
            .sender_id,
        Some(bob)
    );

    chat.conversations
        .remove_member(team.id, bob, bob, now())
        .await
        .unwrap();
    chat.users.delete(bob).await.unwrap();
    assert_eq!(chat.users.find_by_id(bob).await.unwrap(), None);
    assert!(matches!(
        chat.users.delete(bob).await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.users.delete(UserId::generate()).await,
        Err(RepositoryError::NotFound)
    ));
}
