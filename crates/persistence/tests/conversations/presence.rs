//! What presence reads and writes: who shares a conversation with a user, and when the user
//! was last seen.

use crate::common::now;
use crate::fixtures::{chat_with, depart, group, member, new_conversation};
use chrono::Duration;
use palaver_domain::conversation::{ConversationKind, MemberRole};
use palaver_domain::ports::{ConversationRepository, UserRepository};
use palaver_domain::user::UserId;

#[tokio::test]
async fn contacts_are_everyone_sharing_a_conversation_each_once() {
    let (chat, [ada, bob, cyd, dee, eve]) = chat_with(["ada", "bob", "cyd", "dee", "eve"]).await;
    let contacts = async |user: UserId| {
        let mut ids = chat.conversations.contact_ids(user).await.unwrap();
        ids.sort();
        ids
    };
    let sorted = |mut ids: Vec<UserId>| {
        ids.sort();
        ids
    };
    assert_eq!(contacts(ada).await, Vec::new(), "no conversations yet");

    // Bob is in both of Ada's groups but counts once; Eve shares nothing with Ada.
    group(&chat, "Team", ada, &[bob, cyd]).await;
    let pair = group(&chat, "Pair", bob, &[ada]).await;
    group(&chat, "Elsewhere", dee, &[eve]).await;
    let at = now();
    let direct = new_conversation(ConversationKind::Direct, None, None, 2, at);
    let members = [
        member(direct.id, ada, MemberRole::Member, at),
        member(direct.id, dee, MemberRole::Member, at),
    ];
    chat.conversations
        .find_or_create_direct(&direct, &members, "ada:dee")
        .await
        .unwrap();

    assert_eq!(contacts(ada).await, sorted(vec![bob, cyd, dee]));
    assert_eq!(contacts(bob).await, sorted(vec![ada, cyd]));
    assert_eq!(contacts(dee).await, sorted(vec![ada, eve]));
    assert_eq!(contacts(eve).await, vec![dee]);
    assert_eq!(
        contacts(UserId::generate()).await,
        Vec::new(),
        "unknown user"
    );

    // Ada leaving the pair still shares the team with Bob.
    depart(&chat, pair.id, ada, ada).await;
    assert_eq!(contacts(bob).await, sorted(vec![ada, cyd]));
}

#[tokio::test]
async fn leaving_the_last_shared_conversation_ends_the_contact() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let team = group(&chat, "Team", ada, &[bob, cyd]).await;
    depart(&chat, team.id, bob, bob).await;
    assert_eq!(
        chat.conversations.contact_ids(bob).await.unwrap(),
        Vec::new()
    );
    assert_eq!(
        chat.conversations.contact_ids(cyd).await.unwrap(),
        vec![ada]
    );
}

#[tokio::test]
async fn last_seen_is_recorded_without_touching_the_profile() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let before = chat.users.find_by_id(ada).await.unwrap().unwrap();
    let seen = now() + Duration::seconds(5);

    chat.users.record_last_seen(ada, seen).await.unwrap();
    let after = chat.users.find_by_id(ada).await.unwrap().unwrap();
    assert_eq!(after.last_seen_at, Some(seen));
    assert_eq!(after.updated_at, before.updated_at);
    let other = chat.users.find_by_id(bob).await.unwrap().unwrap();
    assert_eq!(other.last_seen_at, None);

    // Later readings replace earlier ones.
    let later = seen + Duration::minutes(1);
    chat.users.record_last_seen(ada, later).await.unwrap();
    let after = chat.users.find_by_id(ada).await.unwrap().unwrap();
    assert_eq!(after.last_seen_at, Some(later));

    // An older reading arriving late (from another node) does not move it back.
    chat.users.record_last_seen(ada, seen).await.unwrap();
    let after = chat.users.find_by_id(ada).await.unwrap().unwrap();
    assert_eq!(after.last_seen_at, Some(later));
}

#[tokio::test]
async fn last_seen_of_a_missing_user_is_not_an_error() {
    let (chat, _) = chat_with(["ada"]).await;
    chat.users
        .record_last_seen(UserId::generate(), now())
        .await
        .unwrap();
}
