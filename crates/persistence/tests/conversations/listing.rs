//! A user's conversation list: its order and pages, unread counts, and what it costs.

use crate::common::{connect_with, now};
use crate::fixtures::{Chat, chat_with, group, group_at, say, say_at, unread};
use chrono::Duration;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{MemberRole, MessageContent};
use palaver_domain::ports::{
    ConversationCursor, ConversationRepository, MessageRepository, UserRepository,
};
use palaver_domain::user::UserId;
use palaver_persistence::SqlConversationRepository;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn unread_counts_exclude_own_read_and_deleted_messages() {
    let (chat, [ada, bob, cyd, dee]) = chat_with(["ada", "bob", "cyd", "dee"]).await;
    let team = group(&chat, "Team", ada, &[bob, cyd]).await;
    let other = group(&chat, "Other", ada, &[bob]).await;
    let a1 = say(&chat, team.id, ada, "one from ada").await; // 1
    let a2 = say(&chat, team.id, ada, "two from ada").await; // 2
    let b1 = say(&chat, team.id, bob, "one from bob").await; // 3
    say(&chat, team.id, cyd, "one from cyd").await; // 4
    say(&chat, other.id, ada, "elsewhere").await;
    let counts = async |chat: &Chat| {
        (
            unread(chat, ada, team.id).await,
            unread(chat, bob, team.id).await,
            unread(chat, cyd, team.id).await,
        )
    };
    assert_eq!(counts(&chat).await, (2, 3, 3));
    assert_eq!(unread(&chat, bob, other.id).await, 1);

    // An edit is not a new message; a deleted one is no longer unread.
    chat.messages
        .edit(
            a1.id,
            &MessageContent::parse("one, edited").unwrap(),
            &[],
            now(),
        )
        .await
        .unwrap(); // 5
    assert_eq!(counts(&chat).await, (2, 3, 3));
    chat.messages.delete(a2.id, now()).await.unwrap(); // 6
    assert_eq!(counts(&chat).await, (2, 2, 2));

    // Reading moves the marker forward only.
    assert_eq!(
        chat.conversations.mark_read(team.id, bob, 3).await.unwrap(),
        3
    );
    assert_eq!(
        chat.conversations.mark_read(team.id, bob, 1).await.unwrap(),
        3
    );
    assert_eq!(
        chat.conversations
            .find_member(team.id, bob)
            .await
            .unwrap()
            .unwrap()
            .last_read_seq,
        3
    );
    assert_eq!(counts(&chat).await, (2, 1, 2));
    assert_eq!(
        chat.conversations.mark_read(team.id, ada, 6).await.unwrap(),
        6
    );
    assert_eq!(counts(&chat).await, (0, 1, 2));
    assert!(matches!(
        chat.conversations.mark_read(team.id, dee, 6).await,
        Err(RepositoryError::NotFound)
    ));

    // Someone added later has not missed what came before.
    chat.conversations
        .add_members(team.id, ada, &[dee], now())
        .await
        .unwrap(); // 7
    assert_eq!(unread(&chat, dee, team.id).await, 0);
    say(&chat, team.id, bob, "welcome").await; // 8
    assert_eq!(unread(&chat, dee, team.id).await, 1);
    assert_eq!(counts(&chat).await, (1, 1, 3));

    // A message whose sender's account is gone still counts, for everyone.
    chat.conversations
        .remove_member(team.id, cyd, cyd, now())
        .await
        .unwrap();
    chat.users.delete(cyd).await.unwrap();
    assert_eq!(unread(&chat, bob, team.id).await, 1);
    let b1_now = chat.messages.find(b1.id).await.unwrap().unwrap();
    assert_eq!(b1_now.sender_id, Some(bob));
}

#[tokio::test]
async fn a_users_conversations_come_latest_activity_first_in_pages() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let t0 = now() - Duration::minutes(10);
    let at = |s: i64| t0 + Duration::seconds(s);
    let c1 = group_at(&chat, "one", ada, &[bob], at(1)).await;
    let c2 = group_at(&chat, "two", bob, &[ada], at(2)).await;
    // Two conversations with the same last activity: the higher id comes first.
    let c3 = group_at(&chat, "three", ada, &[], at(3)).await;
    let c4 = group_at(&chat, "four", ada, &[], at(3)).await;
    let c5 = group_at(&chat, "five", ada, &[bob], at(4)).await;
    group_at(&chat, "not mine", cyd, &[bob], at(9)).await;
    let latest = say_at(&chat, c1.id, bob, "news", at(5)).await;
    chat.conversations
        .set_member_role(c2.id, bob, ada, MemberRole::Admin, at(6))
        .await
        .unwrap();

    let (high, low) = if c3.id > c4.id {
        (c3.id, c4.id)
    } else {
        (c4.id, c3.id)
    };
    let expected = [c2.id, c1.id, c5.id, high, low];
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = chat
            .conversations
            .list_for_user(ada, cursor, 2)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        let last = page.last().unwrap();
        cursor = Some(ConversationCursor {
            last_activity_at: last.last_activity_at,
            conversation_id: last.conversation.id,
        });
        seen.extend(page);
    }
    assert_eq!(
        seen.iter().map(|s| s.conversation.id).collect::<Vec<_>>(),
        expected
    );
    let summary = |id| seen.iter().find(|s| s.conversation.id == id).unwrap();
    assert_eq!(summary(c2.id).my_role, MemberRole::Admin);
    assert_eq!(summary(c2.id).last_activity_at, at(6));
    assert_eq!(summary(c2.id).last_message, None);
    assert_eq!(summary(c1.id).my_role, MemberRole::Owner);
    assert_eq!(summary(c1.id).last_message, Some(latest));
    assert_eq!(summary(c1.id).unread_count, 1);
    assert_eq!(summary(c1.id).conversation.last_seq, 1);
    assert_eq!(summary(c5.id).last_activity_at, at(4));
    assert_eq!(summary(c5.id).conversation, c5);
    assert!(
        chat.conversations
            .list_for_user(UserId::generate(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn listing_a_users_conversations_takes_eight_statements_whatever_the_page_size() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let statements = Arc::new(AtomicUsize::new(0));
    let mut observed = connect_with(&chat.database, 2).await;
    let counter = statements.clone();
    observed.observe_statements(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let conversations = SqlConversationRepository::new(&observed);

    let count_for = async |n: usize| {
        statements.store(0, Ordering::Relaxed);
        let page = conversations.list_for_user(ada, None, 100).await.unwrap();
        assert_eq!(page.len(), n);
        assert!(
            page.iter()
                .all(|s| s.last_message.is_some() && s.unread_count == 1)
        );
        statements.load(Ordering::Relaxed)
    };
    for i in 0..3 {
        let c = group(&chat, &format!("g{i}"), ada, &[bob]).await;
        say(&chat, c.id, bob, "hi").await;
    }
    let for_three = count_for(3).await;
    for i in 3..30 {
        let c = group(&chat, &format!("g{i}"), ada, &[bob]).await;
        say(&chat, c.id, bob, "hi").await;
    }
    let for_thirty = count_for(30).await;
    eprintln!("list_for_user: {for_three} statements for 3 conversations, {for_thirty} for 30");
    assert_eq!(for_three, for_thirty);
    // Conversations, last messages, their attachments, reactions, threads, mentions and
    // pins, unread counts.
    assert_eq!(for_three, 8);
}
