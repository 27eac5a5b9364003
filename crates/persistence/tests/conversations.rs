//! Conversation and message repository tests against a real database: SQLite by default,
//! PostgreSQL or MySQL when PALAVER_TEST_DATABASE_URL is set. Each test gets a fresh one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{connect_with, insert_users, now};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    ClientId, Conversation, ConversationEvent, ConversationId, ConversationKind, ConversationName,
    EventPayload, Member, MemberRole, Message, MessageContent, MessageId, NewMessage,
    direct_pair_key,
};
use palaver_domain::ports::{
    ConversationCursor, ConversationRepository, Departure, MemberCursor, MessageRepository,
    SeqWindow, UserRepository,
};
use palaver_domain::user::UserId;
use palaver_migrations::testing::TestDatabase;
use palaver_persistence::{SqlConversationRepository, SqlMessageRepository, SqlUserRepository};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Chat {
    users: SqlUserRepository,
    conversations: Arc<SqlConversationRepository>,
    messages: Arc<SqlMessageRepository>,
    database: TestDatabase,
}

async fn chat() -> Chat {
    chat_with_pool(8).await
}

async fn chat_with_pool(max_connections: u32) -> Chat {
    let database = TestDatabase::create().await;
    let db = connect_with(&database, max_connections).await;
    Chat {
        users: SqlUserRepository::new(&db),
        conversations: Arc::new(SqlConversationRepository::new(&db)),
        messages: Arc::new(SqlMessageRepository::new(&db)),
        database,
    }
}

fn member(
    conversation: ConversationId,
    user: UserId,
    role: MemberRole,
    at: DateTime<Utc>,
) -> Member {
    Member {
        conversation_id: conversation,
        user_id: user,
        role,
        joined_at: at,
        last_read_seq: 0,
    }
}

/// A group `owner` owns, with `others` as members, created at `at`.
async fn group_at(
    chat: &Chat,
    name: &str,
    owner: UserId,
    others: &[UserId],
    at: DateTime<Utc>,
) -> Conversation {
    let conversation = Conversation {
        id: ConversationId::generate(),
        kind: ConversationKind::Group,
        name: Some(ConversationName::parse(name).unwrap()),
        owner_id: Some(owner),
        created_at: at,
        updated_at: at,
        last_seq: 0,
        member_count: u32::try_from(others.len() + 1).unwrap(),
    };
    let members: Vec<Member> =
        std::iter::once(member(conversation.id, owner, MemberRole::Owner, at))
            .chain(
                others
                    .iter()
                    .map(|u| member(conversation.id, *u, MemberRole::Member, at)),
            )
            .collect();
    chat.conversations
        .create(&conversation, &members)
        .await
        .unwrap();
    conversation
}

async fn group(chat: &Chat, name: &str, owner: UserId, others: &[UserId]) -> Conversation {
    group_at(chat, name, owner, others, now()).await
}

fn new_message(
    conversation: ConversationId,
    sender: UserId,
    text: &str,
    client_id: Option<&str>,
) -> NewMessage {
    NewMessage {
        id: MessageId::generate(),
        conversation_id: conversation,
        sender_id: sender,
        content: MessageContent::parse(text).unwrap(),
        reply_to_id: None,
        client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
    }
}

fn created_message(event: ConversationEvent) -> Message {
    match event.payload {
        EventPayload::MessageCreated { message } => message,
        other => panic!("expected message.created, got {other:?}"),
    }
}

/// Appends a message and returns it as stored.
async fn say_at(
    chat: &Chat,
    conversation: ConversationId,
    sender: UserId,
    text: &str,
    at: DateTime<Utc>,
) -> Message {
    let event = chat
        .messages
        .append(&new_message(conversation, sender, text, None), at)
        .await
        .unwrap();
    created_message(event)
}

async fn say(chat: &Chat, conversation: ConversationId, sender: UserId, text: &str) -> Message {
    say_at(chat, conversation, sender, text, now()).await
}

async fn events(chat: &Chat, conversation: ConversationId) -> Vec<ConversationEvent> {
    chat.conversations
        .list_events(conversation, 0, 10_000)
        .await
        .unwrap()
}

async fn last_seq(chat: &Chat, conversation: ConversationId) -> i64 {
    chat.conversations
        .find(conversation)
        .await
        .unwrap()
        .unwrap()
        .last_seq
}

fn kinds(events: &[ConversationEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.type_name()).collect()
}

fn seqs(events: &[ConversationEvent]) -> Vec<i64> {
    events.iter().map(|e| e.seq).collect()
}

fn ids(messages: &[Message]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}

async fn unread(chat: &Chat, user: UserId, conversation: ConversationId) -> u64 {
    chat.conversations
        .list_for_user(user, None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.conversation.id == conversation)
        .map(|s| s.unread_count)
        .unwrap()
}

#[tokio::test]
async fn a_group_is_stored_with_its_members_and_pages_them_oldest_first() {
    let chat = chat().await;
    let [ada, bob, cyd] = insert_users(&chat.users, &["ada", "bob", "cyd"]).await[..] else {
        unreachable!()
    };
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
    let chat = chat().await;
    let [ada] = insert_users(&chat.users, &["ada"]).await[..] else {
        unreachable!()
    };
    let at = now();
    let conversation = Conversation {
        id: ConversationId::generate(),
        kind: ConversationKind::Group,
        name: Some(ConversationName::parse("ghosts").unwrap()),
        owner_id: Some(ada),
        created_at: at,
        updated_at: at,
        last_seq: 0,
        member_count: 2,
    };
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
async fn seqs_run_one_to_n_without_gaps_across_every_kind_of_event() {
    let chat = chat().await;
    let [ada, bob, cyd, dee] = insert_users(&chat.users, &["ada", "bob", "cyd", "dee"]).await[..]
    else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[bob]).await;
    assert_eq!(last_seq(&chat, team.id).await, 0);

    let hello = say(&chat, team.id, ada, "hello").await; // 1
    let typo = say(&chat, team.id, bob, "teh typo").await; // 2
    let fixed = MessageContent::parse("the typo").unwrap();
    chat.messages.edit(typo.id, &fixed, now()).await.unwrap(); // 3
    chat.messages
        .delete(hello.id, now())
        .await
        .unwrap()
        .unwrap(); // 4
    chat.conversations
        .rename(
            team.id,
            ada,
            &ConversationName::parse("Team 2").unwrap(),
            now(),
        )
        .await
        .unwrap(); // 5
    let joined = chat
        .conversations
        .add_members(team.id, ada, &[cyd, dee, bob, cyd], now())
        .await
        .unwrap(); // 6, 7
    assert_eq!(seqs(&joined), [6, 7]);
    chat.conversations
        .set_member_role(team.id, ada, cyd, MemberRole::Admin, now())
        .await
        .unwrap(); // 8
    chat.conversations
        .remove_member(team.id, ada, dee, now())
        .await
        .unwrap(); // 9
    let handed_over = chat
        .conversations
        .remove_member(team.id, ada, ada, now())
        .await
        .unwrap(); // 10, 11
    let Departure::Left { events: left } = handed_over else {
        panic!("the conversation should remain")
    };
    assert_eq!(seqs(&left), [10, 11]);
    chat.conversations
        .rename(
            team.id,
            cyd,
            &ConversationName::parse("Team 3").unwrap(),
            now(),
        )
        .await
        .unwrap(); // 12

    // Failures hand their seq back.
    let ghost = UserId::generate();
    assert!(matches!(
        chat.conversations
            .set_member_role(team.id, cyd, ghost, MemberRole::Admin, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .remove_member(team.id, cyd, ghost, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .add_members(team.id, cyd, &[ghost], now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.messages.edit(hello.id, &fixed, now()).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(chat.messages.delete(hello.id, now()).await.unwrap(), None);
    assert!(
        chat.conversations
            .add_members(team.id, cyd, &[bob, cyd], now())
            .await
            .unwrap()
            .is_empty()
    );

    let log = events(&chat, team.id).await;
    assert_eq!(seqs(&log), (1..=12).collect::<Vec<_>>());
    assert_eq!(last_seq(&chat, team.id).await, 12);
    assert_eq!(
        kinds(&log),
        [
            "message.created",
            "message.created",
            "message.updated",
            "message.deleted",
            "conversation.updated",
            "member.joined",
            "member.joined",
            "member.updated",
            "member.left",
            "member.left",
            "member.updated",
            "conversation.updated",
        ]
    );
    // Payloads show the rows as they stand now: no deleted words, the latest name.
    let current = chat.conversations.find(team.id).await.unwrap().unwrap();
    assert_eq!(current.name.as_ref().unwrap().as_str(), "Team 3");
    assert_eq!(current.owner_id, Some(cyd));
    assert_eq!(current.member_count, 2);
    let stored_hello = chat.messages.find(hello.id).await.unwrap().unwrap();
    assert!(stored_hello.is_deleted() && stored_hello.content.is_none());
    let stored_typo = chat.messages.find(typo.id).await.unwrap().unwrap();
    assert_eq!(stored_typo.content, Some(fixed.clone()));
    assert!(stored_typo.edited_at.is_some());
    assert_eq!(
        log[0].payload,
        EventPayload::MessageCreated {
            message: stored_hello
        }
    );
    assert_eq!(
        log[1].payload,
        EventPayload::MessageCreated {
            message: stored_typo.clone()
        }
    );
    assert_eq!(
        log[2].payload,
        EventPayload::MessageUpdated {
            message: stored_typo
        }
    );
    assert_eq!(
        log[3].payload,
        EventPayload::MessageDeleted {
            message_id: hello.id
        }
    );
    assert_eq!(
        log[4].payload,
        EventPayload::ConversationUpdated {
            conversation: current.clone()
        }
    );
    assert_eq!(
        log[5].payload,
        EventPayload::MemberJoined {
            user_id: cyd,
            role: MemberRole::Member
        }
    );
    assert_eq!(
        log[6].payload,
        EventPayload::MemberJoined {
            user_id: dee,
            role: MemberRole::Member
        }
    );
    assert_eq!(
        log[7].payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Admin
        }
    );
    assert_eq!(log[8].payload, EventPayload::MemberLeft { user_id: dee });
    assert_eq!(log[9].payload, EventPayload::MemberLeft { user_id: ada });
    assert_eq!(
        log[10].payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Owner
        }
    );
    assert_eq!(left, log[9..11]);
    assert_eq!(joined, log[5..7]);

    let tail = chat.conversations.list_events(team.id, 9, 2).await.unwrap();
    assert_eq!(seqs(&tail), [10, 11]);
    assert!(
        chat.conversations
            .list_events(team.id, 12, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Changes to a conversation that is gone.
    let gone = ConversationId::generate();
    assert!(matches!(
        chat.messages
            .append(&new_message(gone, ada, "anyone?", None), now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .rename(gone, ada, &ConversationName::parse("x").unwrap(), now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .add_members(gone, ada, &[bob], now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.messages.delete(MessageId::generate(), now()).await,
        Err(RepositoryError::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_to_one_conversation_take_every_seq_exactly_once() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 200;
    const TOTAL: i64 = (TASKS * PER_TASK) as i64;
    let chat = chat_with_pool(10).await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Busy", ada, &[bob]).await;

    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let messages = chat.messages.clone();
            let sender = if task % 2 == 0 { ada } else { bob };
            tokio::spawn(async move {
                let mut mine = Vec::with_capacity(PER_TASK);
                for i in 0..PER_TASK {
                    let message = new_message(
                        team.id,
                        sender,
                        &format!("task {task} message {i}"),
                        Some(&format!("t{task}-{i}")),
                    );
                    let event = messages.append(&message, now()).await.unwrap();
                    mine.push(event.seq);
                }
                mine
            })
        })
        .collect();
    for task in tasks {
        let mine = task.await.unwrap();
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "one task's seqs only grow"
        );
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{TASKS} tasks x {PER_TASK} appends on {}: {elapsed:.2?}",
        chat.database.backend_name()
    );

    let every: Vec<i64> = (1..=TOTAL).collect();
    let log = events(&chat, team.id).await;
    assert_eq!(seqs(&log), every);
    let page = chat
        .messages
        .list(team.id, SeqWindow::After(0), 10_000)
        .await
        .unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        every
    );
    assert!(!page.has_more);
    assert_eq!(last_seq(&chat, team.id).await, TOTAL);
    for (event, message) in log.iter().zip(&page.messages) {
        assert_eq!(
            event.payload,
            EventPayload::MessageCreated {
                message: message.clone()
            }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_of_one_client_id_store_one_message() {
    let chat = chat().await;
    let [ada] = insert_users(&chat.users, &["ada"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Retries", ada, &[]).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let messages = chat.messages.clone();
            tokio::spawn(async move {
                let message = new_message(team.id, ada, &format!("attempt {i}"), Some("web-1:42"));
                messages.append(&message, now()).await
            })
        })
        .collect();
    let (mut stored, mut conflicts) = (Vec::new(), 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(event) => stored.push(created_message(event)),
            Err(RepositoryError::Conflict { field: "client_id" }) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((stored.len(), conflicts), (1, 7));
    assert_eq!(stored[0].seq, 1);
    let page = chat
        .messages
        .list(team.id, SeqWindow::Newest, 50)
        .await
        .unwrap();
    assert_eq!(page.messages, stored);
    assert_eq!(seqs(&events(&chat, team.id).await), [1]);
    assert_eq!(last_seq(&chat, team.id).await, 1);
    let client_id = ClientId::parse("web-1:42").unwrap();
    assert_eq!(
        chat.messages
            .find_by_client_id(ada, &client_id)
            .await
            .unwrap(),
        Some(stored[0].clone())
    );
    assert_eq!(
        chat.messages
            .find_by_client_id(UserId::generate(), &client_id)
            .await
            .unwrap(),
        None
    );
    // The same client id from another sender is theirs to use.
    let [bob] = insert_users(&chat.users, &["bob"]).await[..] else {
        unreachable!()
    };
    chat.conversations
        .add_members(team.id, ada, &[bob], now())
        .await
        .unwrap();
    chat.messages
        .append(&new_message(team.id, bob, "mine", Some("web-1:42")), now())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_direct_creation_for_one_pair_yields_one_conversation() {
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
    let key = direct_pair_key(ada, bob);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let conversations = chat.conversations.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let at = now();
                let conversation = Conversation {
                    id: ConversationId::generate(),
                    kind: ConversationKind::Direct,
                    name: None,
                    owner_id: None,
                    created_at: at,
                    updated_at: at,
                    last_seq: 0,
                    member_count: 2,
                };
                let (first, second) = if i % 2 == 0 { (ada, bob) } else { (bob, ada) };
                let members = [
                    member(conversation.id, first, MemberRole::Member, at),
                    member(conversation.id, second, MemberRole::Member, at),
                ];
                conversations
                    .find_or_create_direct(&conversation, &members, &key)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let created: Vec<_> = results.iter().filter(|(_, created)| *created).collect();
    assert_eq!(created.len(), 1);
    let winner = created[0].0.clone();
    assert!(results.iter().all(|(c, _)| c.id == winner.id));
    assert_eq!(
        chat.conversations.find(winner.id).await.unwrap(),
        Some(winner.clone())
    );
    assert_eq!(
        chat.conversations.memberships_of(ada).await.unwrap(),
        [winner.id]
    );
    assert_eq!(
        chat.conversations.memberships_of(bob).await.unwrap(),
        [winner.id]
    );

    // Asking again finds it.
    let again = Conversation {
        id: ConversationId::generate(),
        ..winner.clone()
    };
    let members = [
        member(again.id, ada, MemberRole::Member, again.created_at),
        member(again.id, bob, MemberRole::Member, again.created_at),
    ];
    let (found, created) = chat
        .conversations
        .find_or_create_direct(&again, &members, &key)
        .await
        .unwrap();
    assert_eq!((found.id, created), (winner.id, false));
}

#[tokio::test]
async fn unread_counts_exclude_own_read_and_deleted_messages() {
    let chat = chat().await;
    let [ada, bob, cyd, dee] = insert_users(&chat.users, &["ada", "bob", "cyd", "dee"]).await[..]
    else {
        unreachable!()
    };
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
        .edit(a1.id, &MessageContent::parse("one, edited").unwrap(), now())
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
    let chat = chat().await;
    let [ada, bob, cyd] = insert_users(&chat.users, &["ada", "bob", "cyd"]).await[..] else {
        unreachable!()
    };
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
async fn listing_a_users_conversations_takes_three_statements_whatever_the_page_size() {
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
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
    assert_eq!(for_three, 3);
}

#[tokio::test]
async fn an_owner_who_leaves_hands_over_to_the_longest_standing_admin_else_member() {
    let chat = chat().await;
    let [ada, bob, cyd, dee] = insert_users(&chat.users, &["ada", "bob", "cyd", "dee"]).await[..]
    else {
        unreachable!()
    };
    let t0 = now();
    let team = group_at(&chat, "Team", ada, &[], t0).await;
    // bob joins first as a member; cyd and dee later, both made admins.
    for (i, user) in [bob, cyd, dee].into_iter().enumerate() {
        let at = t0 + Duration::seconds(i64::try_from(i).unwrap() + 1);
        chat.conversations
            .add_members(team.id, ada, &[user], at)
            .await
            .unwrap();
    }
    chat.conversations
        .set_member_role(team.id, ada, dee, MemberRole::Admin, now())
        .await
        .unwrap();
    chat.conversations
        .set_member_role(team.id, ada, cyd, MemberRole::Admin, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;

    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(team.id, ada, ada, now())
        .await
        .unwrap()
    else {
        panic!("three remain")
    };
    assert_eq!(seqs(&left), [before + 1, before + 2]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: ada });
    assert_eq!(
        left[1].payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Owner
        }
    );
    let team_now = chat.conversations.find(team.id).await.unwrap().unwrap();
    assert_eq!((team_now.owner_id, team_now.member_count), (Some(cyd), 3));
    assert_eq!(
        chat.conversations
            .find_member(team.id, cyd)
            .await
            .unwrap()
            .unwrap()
            .role,
        MemberRole::Owner
    );
    assert_eq!(
        chat.conversations.find_member(team.id, ada).await.unwrap(),
        None
    );

    // A plain member leaving hands nothing over.
    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(team.id, dee, dee, now())
        .await
        .unwrap()
    else {
        panic!("two remain")
    };
    assert_eq!(kinds(&left), ["member.left"]);

    // No admin left: the longest-standing member takes over.
    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(team.id, cyd, cyd, now())
        .await
        .unwrap()
    else {
        panic!("one remains")
    };
    assert_eq!(
        left[1].payload,
        EventPayload::MemberUpdated {
            user_id: bob,
            role: MemberRole::Owner
        }
    );
    let team_now = chat.conversations.find(team.id).await.unwrap().unwrap();
    assert_eq!((team_now.owner_id, team_now.member_count), (Some(bob), 1));
    assert_eq!(
        seqs(&events(&chat, team.id).await),
        (1..=team_now.last_seq).collect::<Vec<_>>()
    );

    // Among several members, the one who joined first.
    let t1 = now();
    let club = group_at(&chat, "Club", ada, &[], t1).await;
    chat.conversations
        .add_members(club.id, ada, &[dee], t1 + Duration::seconds(1))
        .await
        .unwrap();
    chat.conversations
        .add_members(club.id, ada, &[bob], t1 + Duration::seconds(2))
        .await
        .unwrap();
    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(club.id, ada, ada, now())
        .await
        .unwrap()
    else {
        panic!("two remain")
    };
    assert_eq!(
        left[1].payload,
        EventPayload::MemberUpdated {
            user_id: dee,
            role: MemberRole::Owner
        }
    );
}

#[tokio::test]
async fn the_last_member_leaving_deletes_the_conversation_with_its_messages_and_events() {
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
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
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
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
            .search(ada, "hello", None, 0, 10)
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
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
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
    assert_eq!(
        chat.conversations
            .find(team.id)
            .await
            .unwrap()
            .unwrap()
            .owner_id,
        Some(bob)
    );
    let log = events(&chat, team.id).await;
    assert_eq!(
        log[0].payload,
        EventPayload::MessageCreated { message: kept }
    );
}

#[tokio::test]
async fn a_user_who_still_belongs_to_a_conversation_is_not_deleted() {
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[bob]).await;
    let said = say(&chat, team.id, bob, "still here").await;
    assert!(matches!(
        chat.users.delete(bob).await,
        Err(RepositoryError::Conflict {
            field: "memberships"
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

#[tokio::test]
async fn messages_are_listed_by_seq_windows_ascending_with_has_more() {
    let chat = chat().await;
    let [ada] = insert_users(&chat.users, &["ada"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[]).await;
    for i in 1..=10 {
        say(&chat, team.id, ada, &format!("message {i}")).await;
    }
    let deleted = chat
        .messages
        .list(team.id, SeqWindow::After(3), 1)
        .await
        .unwrap()
        .messages[0]
        .id;
    chat.messages.delete(deleted, now()).await.unwrap();
    let page = |window, limit| {
        let messages = chat.messages.clone();
        async move {
            let page = messages.list(team.id, window, limit).await.unwrap();
            (
                page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
                page.has_more,
            )
        }
    };
    assert_eq!(page(SeqWindow::Newest, 3).await, (vec![8, 9, 10], true));
    assert_eq!(
        page(SeqWindow::Newest, 20).await,
        ((1..=10).collect(), false)
    );
    assert_eq!(page(SeqWindow::Before(8), 3).await, (vec![5, 6, 7], true));
    assert_eq!(page(SeqWindow::Before(3), 3).await, (vec![1, 2], false));
    assert_eq!(page(SeqWindow::Before(4), 3).await, (vec![1, 2, 3], false));
    assert_eq!(page(SeqWindow::After(0), 3).await, (vec![1, 2, 3], true));
    assert_eq!(page(SeqWindow::After(7), 3).await, (vec![8, 9, 10], false));
    assert_eq!(page(SeqWindow::After(10), 3).await, (vec![], false));
    assert_eq!(
        page(SeqWindow::Between(2, 7), 3).await,
        (vec![3, 4, 5], true)
    );
    assert_eq!(
        page(SeqWindow::Between(2, 6), 3).await,
        (vec![3, 4, 5], false)
    );
    // The tombstone keeps its place.
    let tombstone = chat
        .messages
        .list(team.id, SeqWindow::Between(3, 5), 5)
        .await
        .unwrap();
    assert_eq!(tombstone.messages.len(), 1);
    assert!(tombstone.messages[0].is_deleted() && tombstone.messages[0].content.is_none());
}

#[tokio::test]
async fn search_uses_the_full_text_index_within_the_users_conversations() {
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
    let shared = group(&chat, "Shared", ada, &[bob]).await;
    let adas = group(&chat, "Ada's", ada, &[]).await;
    let bobs = group(&chat, "Bob's", bob, &[]).await;
    let once = say(&chat, shared.id, ada, "pineapple smoothie recipe").await;
    let thrice = say(
        &chat,
        shared.id,
        bob,
        "pineapple pineapple pineapple everywhere",
    )
    .await;
    say(&chat, shared.id, bob, "completely unrelated chatter").await;
    let accented = say(&chat, shared.id, bob, "Crème brûlée tonight").await;
    let pizza = say(&chat, adas.id, ada, "pineapple pizza debate").await;
    let secret = say(&chat, bobs.id, bob, "pineapple secret plans").await;
    for filler in [
        "nothing relevant",
        "mango lassi later",
        "weekly status report",
    ] {
        say(&chat, adas.id, ada, filler).await;
        say(&chat, bobs.id, bob, filler).await;
    }
    let search = |user, text: &'static str, conversation, offset, limit| {
        let messages = chat.messages.clone();
        async move {
            ids(&messages
                .search(user, text, conversation, offset, limit)
                .await
                .unwrap())
        }
    };

    // The best match first; never another's conversation.
    let found = search(ada, "pineapple", None, 0, 10).await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0], thrice.id);
    assert_eq!(
        BTreeSet::from_iter(found[1..].iter().copied()),
        BTreeSet::from([once.id, pizza.id])
    );
    let for_bob = search(bob, "PINEAPPLE", None, 0, 10).await;
    assert_eq!(for_bob[0], thrice.id);
    assert_eq!(
        BTreeSet::from_iter(for_bob.iter().copied()),
        BTreeSet::from([thrice.id, once.id, secret.id])
    );
    assert_eq!(search(bob, "pineapple", None, 1, 1).await, [for_bob[1]]);
    assert_eq!(
        search(ada, "pineapple", Some(adas.id), 0, 10).await,
        [pizza.id]
    );
    assert!(
        search(ada, "pineapple", Some(bobs.id), 0, 10)
            .await
            .is_empty()
    );
    assert_eq!(search(ada, "smoothie recipe", None, 0, 10).await, [once.id]);
    assert_eq!(search(ada, "crème", None, 0, 10).await, [accented.id]);
    assert!(search(ada, "", None, 0, 10).await.is_empty());
    assert!(search(ada, "  \t ", None, 0, 10).await.is_empty());
    assert!(search(ada, "!!!", None, 0, 10).await.is_empty());
    assert!(
        search(ada, "\"pineapple", None, 0, 10).await.len() <= 3,
        "quotes are harmless"
    );

    // Edits re-index, deletions leave the index.
    chat.messages
        .edit(
            once.id,
            &MessageContent::parse("mango smoothie recipe").unwrap(),
            now(),
        )
        .await
        .unwrap();
    chat.messages.delete(thrice.id, now()).await.unwrap();
    assert_eq!(search(ada, "pineapple", None, 0, 10).await, [pizza.id]);
    assert_eq!(
        search(ada, "mango", Some(shared.id), 0, 10).await,
        [once.id]
    );

    // Leaving a conversation takes its messages out of one's results.
    chat.conversations
        .remove_member(shared.id, bob, bob, now())
        .await
        .unwrap();
    assert_eq!(search(bob, "pineapple", None, 0, 10).await, [secret.id]);
    assert!(
        search(bob, "mango", Some(shared.id), 0, 10)
            .await
            .is_empty()
    );
}

/// A channel `owner` owns, with `admins` and `members`.
async fn channel(
    chat: &Chat,
    name: &str,
    owner: UserId,
    admins: &[UserId],
    members: &[UserId],
) -> Conversation {
    let at = now();
    let conversation = Conversation {
        id: ConversationId::generate(),
        kind: ConversationKind::Channel,
        name: Some(ConversationName::parse(name).unwrap()),
        owner_id: Some(owner),
        created_at: at,
        updated_at: at,
        last_seq: 0,
        member_count: u32::try_from(1 + admins.len() + members.len()).unwrap(),
    };
    let roles = std::iter::once((owner, MemberRole::Owner))
        .chain(admins.iter().map(|u| (*u, MemberRole::Admin)))
        .chain(members.iter().map(|u| (*u, MemberRole::Member)));
    let rows: Vec<Member> = roles
        .map(|(user, role)| member(conversation.id, user, role, at))
        .collect();
    chat.conversations
        .create(&conversation, &rows)
        .await
        .unwrap();
    conversation
}

/// The members whose role is owner.
async fn owners(chat: &Chat, conversation: ConversationId) -> Vec<UserId> {
    chat.conversations
        .list_members(conversation, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.role == MemberRole::Owner)
        .map(|m| m.user_id)
        .collect()
}

#[tokio::test]
async fn a_role_change_by_an_owner_who_has_since_left_is_refused() {
    let chat = chat().await;
    let [ada, bob, cyd] = insert_users(&chat.users, &["ada", "bob", "cyd"]).await[..] else {
        unreachable!()
    };
    let t0 = now();
    let team = group_at(&chat, "Team", ada, &[], t0).await;
    chat.conversations
        .add_members(team.id, ada, &[bob], t0 + Duration::seconds(1))
        .await
        .unwrap();
    chat.conversations
        .add_members(team.id, ada, &[cyd], t0 + Duration::seconds(2))
        .await
        .unwrap();
    chat.conversations
        .set_member_role(team.id, ada, bob, MemberRole::Admin, now())
        .await
        .unwrap();
    // Ada leaves; the hand-off makes bob, the admin, the owner. Her request to demote him,
    // checked against the roles before she left, arrives only now.
    chat.conversations
        .remove_member(team.id, ada, ada, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;
    assert!(matches!(
        chat.conversations
            .set_member_role(team.id, ada, bob, MemberRole::Member, now())
            .await,
        Err(RepositoryError::Forbidden(
            "only the owner may change roles"
        ))
    ));
    assert_eq!(last_seq(&chat, team.id).await, before);
    assert_eq!(
        events(&chat, team.id).await.len(),
        usize::try_from(before).unwrap()
    );
    assert_eq!(owners(&chat, team.id).await, [bob]);
    assert_eq!(
        chat.conversations
            .find(team.id)
            .await
            .unwrap()
            .unwrap()
            .owner_id,
        Some(bob)
    );

    // Only the owner changes roles, never their own, and only a member's.
    let refusals = [
        (cyd, cyd, "only the owner may change roles"),
        (cyd, bob, "only the owner may change roles"),
        (bob, bob, "the owner's role changes only when they leave"),
    ];
    for (actor, target, reason) in refusals {
        let refused = chat
            .conversations
            .set_member_role(team.id, actor, target, MemberRole::Admin, now())
            .await;
        assert!(
            matches!(refused, Err(RepositoryError::Forbidden(r)) if r == reason),
            "{refused:?}"
        );
    }
    assert!(matches!(
        chat.conversations
            .set_member_role(team.id, bob, ada, MemberRole::Admin, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(last_seq(&chat, team.id).await, before);

    // The new owner may.
    let event = chat
        .conversations
        .set_member_role(team.id, bob, cyd, MemberRole::Admin, now())
        .await
        .unwrap();
    assert_eq!(event.seq, before + 1);
    assert_eq!(
        event.payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Admin
        }
    );
    assert_eq!(owners(&chat, team.id).await, [bob]);
}

#[tokio::test]
async fn a_sender_removed_since_the_check_cannot_append() {
    let chat = chat().await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[bob]).await;
    say(&chat, team.id, bob, "hello").await;
    chat.conversations
        .remove_member(team.id, ada, bob, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;
    let late = new_message(team.id, bob, "one more thing", Some("late-1"));
    assert!(matches!(
        chat.messages.append(&late, now()).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(chat.messages.find(late.id).await.unwrap(), None);
    assert_eq!(
        chat.messages
            .find_by_client_id(bob, &ClientId::parse("late-1").unwrap())
            .await
            .unwrap(),
        None
    );
    assert_eq!(last_seq(&chat, team.id).await, before);
    assert_eq!(
        seqs(&events(&chat, team.id).await),
        (1..=before).collect::<Vec<_>>()
    );
    // The seq was given back: the next message takes it.
    assert_eq!(say(&chat, team.id, ada, "bye").await.seq, before + 1);
}

#[tokio::test]
async fn only_a_channels_owner_and_admins_append() {
    let chat = chat().await;
    let [ada, bob, cyd] = insert_users(&chat.users, &["ada", "bob", "cyd"]).await[..] else {
        unreachable!()
    };
    let news = channel(&chat, "News", ada, &[bob], &[cyd]).await;
    say(&chat, news.id, ada, "from the owner").await;
    say(&chat, news.id, bob, "from an admin").await;
    let forbidden = "only the owner and admins post in a channel";
    let attempt = new_message(news.id, cyd, "from a member", None);
    assert!(matches!(
        chat.messages.append(&attempt, now()).await,
        Err(RepositoryError::Forbidden(r)) if r == forbidden
    ));

    // Demoted since the use-case looked: refused under the lock.
    chat.conversations
        .set_member_role(news.id, ada, bob, MemberRole::Member, now())
        .await
        .unwrap();
    let before = last_seq(&chat, news.id).await;
    let stale = new_message(news.id, bob, "still an admin?", None);
    assert!(matches!(
        chat.messages.append(&stale, now()).await,
        Err(RepositoryError::Forbidden(r)) if r == forbidden
    ));
    assert_eq!(chat.messages.find(stale.id).await.unwrap(), None);
    assert_eq!(last_seq(&chat, news.id).await, before);

    // Members of a group post freely.
    let team = group(&chat, "Team", ada, &[cyd]).await;
    say(&chat, team.id, cyd, "from a member").await;
}

/// Asserts that the call was refused with `Forbidden(reason)`.
fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, RepositoryError>, reason: &str) {
    assert!(
        matches!(&result, Err(RepositoryError::Forbidden(r)) if *r == reason),
        "expected Forbidden({reason:?}), got {result:?}"
    );
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, RepositoryError>) {
    assert!(
        matches!(result, Err(RepositoryError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

const MAY_NOT_RENAME: &str = "only the owner and admins may rename a conversation";
const MAY_NOT_ADD: &str = "only the owner and admins may add members";
const MAY_NOT_REMOVE: &str =
    "owners remove anyone, admins remove plain members, members only leave";

#[tokio::test]
async fn an_admin_demoted_since_the_check_can_no_longer_rename_add_or_remove() {
    let chat = chat().await;
    let [ada, bob, cyd, dee] = insert_users(&chat.users, &["ada", "bob", "cyd", "dee"]).await[..]
    else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[bob, cyd]).await;
    chat.conversations
        .set_member_role(team.id, ada, bob, MemberRole::Admin, now())
        .await
        .unwrap();
    // As an admin bob may; the use-case checks his role and finds him one.
    chat.conversations
        .rename(
            team.id,
            bob,
            &ConversationName::parse("Bob's").unwrap(),
            now(),
        )
        .await
        .unwrap();
    // Then ada demotes him before his next requests reach the store.
    chat.conversations
        .set_member_role(team.id, ada, bob, MemberRole::Member, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;

    assert_forbidden(
        chat.conversations
            .rename(
                team.id,
                bob,
                &ConversationName::parse("Mine").unwrap(),
                now(),
            )
            .await,
        MAY_NOT_RENAME,
    );
    assert_forbidden(
        chat.conversations
            .add_members(team.id, bob, &[dee], now())
            .await,
        MAY_NOT_ADD,
    );
    assert_forbidden(
        chat.conversations
            .remove_member(team.id, bob, cyd, now())
            .await,
        MAY_NOT_REMOVE,
    );

    // Nothing was written and no seq was used.
    assert_eq!(last_seq(&chat, team.id).await, before);
    assert_eq!(
        seqs(&events(&chat, team.id).await),
        (1..=before).collect::<Vec<_>>()
    );
    let team_now = chat.conversations.find(team.id).await.unwrap().unwrap();
    assert_eq!(team_now.name.unwrap().as_str(), "Bob's");
    assert_eq!(team_now.member_count, 3);
    assert_eq!(
        chat.conversations.member_ids(team.id).await.unwrap().len(),
        3
    );
    assert_eq!(
        chat.conversations.find_member(team.id, dee).await.unwrap(),
        None
    );
    assert!(
        chat.conversations
            .find_member(team.id, cyd)
            .await
            .unwrap()
            .is_some()
    );
    // The next change takes the seq the refusals did not.
    let event = chat
        .conversations
        .rename(
            team.id,
            ada,
            &ConversationName::parse("Ada's").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(event.seq, before + 1);
}

#[tokio::test]
async fn owners_remove_anyone_admins_remove_plain_members_members_only_leave() {
    let chat = chat().await;
    let [ada, bob, cyd, dee, eve] =
        insert_users(&chat.users, &["ada", "bob", "cyd", "dee", "eve"]).await[..]
    else {
        unreachable!()
    };
    let news = channel(&chat, "News", ada, &[bob, cyd], &[dee, eve]).await;

    // Refused: an admin removing another admin or the owner, a member removing anyone.
    for (actor, target) in [(bob, cyd), (bob, ada), (dee, eve), (dee, bob), (dee, ada)] {
        assert_forbidden(
            chat.conversations
                .remove_member(news.id, actor, target, now())
                .await,
            MAY_NOT_REMOVE,
        );
    }
    assert_eq!(last_seq(&chat, news.id).await, 0);
    assert!(events(&chat, news.id).await.is_empty());
    assert_eq!(
        chat.conversations.member_ids(news.id).await.unwrap().len(),
        5
    );

    // An admin removes a plain member.
    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(news.id, bob, dee, now())
        .await
        .unwrap()
    else {
        panic!("four remain")
    };
    assert_eq!(seqs(&left), [1]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: dee });
    // The owner removes an admin; no hand-off, since the owner stays.
    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(news.id, ada, cyd, now())
        .await
        .unwrap()
    else {
        panic!("three remain")
    };
    assert_eq!(seqs(&left), [2]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: cyd });
    // A plain member leaves on their own.
    let Departure::Left { events: left } = chat
        .conversations
        .remove_member(news.id, eve, eve, now())
        .await
        .unwrap()
    else {
        panic!("two remain")
    };
    assert_eq!(seqs(&left), [3]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: eve });

    let news_now = chat.conversations.find(news.id).await.unwrap().unwrap();
    assert_eq!((news_now.owner_id, news_now.member_count), (Some(ada), 2));
    assert_eq!(
        BTreeSet::from_iter(chat.conversations.member_ids(news.id).await.unwrap()),
        BTreeSet::from([ada, bob])
    );
    assert_eq!(owners(&chat, news.id).await, [ada]);
    assert_eq!(
        seqs(&events(&chat, news.id).await),
        (1..=3).collect::<Vec<_>>()
    );

    // Admins rename and add as the owner does.
    chat.conversations
        .rename(
            news.id,
            bob,
            &ConversationName::parse("Daily").unwrap(),
            now(),
        )
        .await
        .unwrap();
    let joined = chat
        .conversations
        .add_members(news.id, bob, &[dee], now())
        .await
        .unwrap();
    assert_eq!(seqs(&joined), [5]);
}

#[tokio::test]
async fn an_actor_who_is_not_a_member_is_not_found() {
    let chat = chat().await;
    let [ada, bob, cyd, dee] = insert_users(&chat.users, &["ada", "bob", "cyd", "dee"]).await[..]
    else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[bob, dee]).await;
    // dee was a member and left; cyd never was one.
    chat.conversations
        .remove_member(team.id, dee, dee, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;

    for outsider in [cyd, dee, UserId::generate()] {
        assert_not_found(
            chat.conversations
                .rename(
                    team.id,
                    outsider,
                    &ConversationName::parse("x").unwrap(),
                    now(),
                )
                .await,
        );
        assert_not_found(
            chat.conversations
                .add_members(team.id, outsider, &[outsider], now())
                .await,
        );
        assert_not_found(
            chat.conversations
                .remove_member(team.id, outsider, bob, now())
                .await,
        );
        assert_not_found(
            chat.conversations
                .remove_member(team.id, outsider, outsider, now())
                .await,
        );
        // Nor is removing someone who is not a member, even for a plain member.
        assert_not_found(
            chat.conversations
                .remove_member(team.id, bob, outsider, now())
                .await,
        );
    }
    assert_eq!(last_seq(&chat, team.id).await, before);
    assert_eq!(
        seqs(&events(&chat, team.id).await),
        (1..=before).collect::<Vec<_>>()
    );
    let team_now = chat.conversations.find(team.id).await.unwrap().unwrap();
    assert_eq!(team_now.name.unwrap().as_str(), "Team");
    assert_eq!(team_now.member_count, 2);
    assert_eq!(
        BTreeSet::from_iter(chat.conversations.member_ids(team.id).await.unwrap()),
        BTreeSet::from([ada, bob])
    );
}

#[tokio::test]
async fn client_ids_differing_only_in_case_are_different() {
    let chat = chat().await;
    let [ada] = insert_users(&chat.users, &["ada"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[]).await;
    let lower = created_message(
        chat.messages
            .append(&new_message(team.id, ada, "lower", Some("abc")), now())
            .await
            .unwrap(),
    );
    let upper = created_message(
        chat.messages
            .append(&new_message(team.id, ada, "upper", Some("ABC")), now())
            .await
            .unwrap(),
    );
    assert_ne!(lower.id, upper.id);
    for (client_id, message) in [("abc", &lower), ("ABC", &upper)] {
        assert_eq!(
            chat.messages
                .find_by_client_id(ada, &ClientId::parse(client_id).unwrap())
                .await
                .unwrap()
                .as_ref(),
            Some(message)
        );
    }
    assert_eq!(
        chat.messages
            .find_by_client_id(ada, &ClientId::parse("Abc").unwrap())
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        chat.messages
            .append(&new_message(team.id, ada, "again", Some("ABC")), now())
            .await,
        Err(RepositoryError::Conflict { field: "client_id" })
    ));
}

#[tokio::test]
async fn search_requires_every_word_on_every_backend() {
    let chat = chat().await;
    let [ada] = insert_users(&chat.users, &["ada"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[]).await;
    // Words of at least three letters and no stopwords, which InnoDB indexes.
    say(&chat, team.id, ada, "purple elephant parade").await;
    say(&chat, team.id, ada, "dancing giraffe tonight").await;
    let search =
        async |text: &str| ids(&chat.messages.search(ada, text, None, 0, 10).await.unwrap());
    assert!(search("elephant giraffe").await.is_empty());
    assert!(search("giraffe +elephant").await.is_empty());

    let both = say(&chat, team.id, ada, "the elephant greets the giraffe").await;
    assert_eq!(search("elephant giraffe").await, [both.id]);
    assert_eq!(search("Giraffe, ELEPHANT!").await, [both.id]);
    // Operator characters are only separators.
    assert_eq!(search("-giraffe* (elephant)").await, [both.id]);
    assert_eq!(search("elephant").await.len(), 2);
}
