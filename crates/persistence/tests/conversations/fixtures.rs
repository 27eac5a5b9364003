//! What the conversation tests share: repositories on a fresh database, conversations
//! with their members, messages, and readings of the event log.

use crate::common::{connect_with, insert_users, now};
use chrono::{DateTime, Duration, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    ClientId, Conversation, ConversationEvent, ConversationId, ConversationKind, ConversationName,
    EventPayload, Member, MemberRole, Message, MessageContent, MessageId, NewMessage,
};
use palaver_domain::ports::{ConversationRepository, Departure, MessageRepository};
use palaver_domain::user::UserId;
use palaver_migrations::testing::TestDatabase;
use palaver_persistence::{SqlConversationRepository, SqlMessageRepository, SqlUserRepository};
use std::sync::Arc;

pub struct Chat {
    pub users: SqlUserRepository,
    pub conversations: Arc<SqlConversationRepository>,
    pub messages: Arc<SqlMessageRepository>,
    pub database: TestDatabase,
}

pub async fn chat() -> Chat {
    chat_with_pool(8).await
}

pub async fn chat_with_pool(max_connections: u32) -> Chat {
    let database = TestDatabase::create().await;
    let db = connect_with(&database, max_connections).await;
    Chat {
        users: SqlUserRepository::new(&db),
        conversations: Arc::new(SqlConversationRepository::new(&db)),
        messages: Arc::new(SqlMessageRepository::new(&db)),
        database,
    }
}

/// A fresh chat with a user of each name; their ids, in order.
pub async fn chat_with<const N: usize>(names: [&str; N]) -> (Chat, [UserId; N]) {
    let chat = chat().await;
    let ids = insert_users(&chat.users, &names).await;
    (chat, ids.try_into().unwrap())
}

pub fn member(
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
        last_delivered_seq: 0,
    }
}

/// A conversation not stored yet, created at `at`, with nothing said in it.
pub fn new_conversation(
    kind: ConversationKind,
    name: Option<&str>,
    owner: Option<UserId>,
    member_count: u32,
    at: DateTime<Utc>,
) -> Conversation {
    Conversation {
        id: ConversationId::generate(),
        kind,
        name: name.map(|n| ConversationName::parse(n).unwrap()),
        owner_id: owner,
        created_at: at,
        updated_at: at,
        last_seq: 0,
        member_count,
    }
}

/// Stores a conversation `owner` owns, created at `at`, with the others in these roles.
async fn create(
    chat: &Chat,
    kind: ConversationKind,
    name: &str,
    owner: UserId,
    others: impl Iterator<Item = (UserId, MemberRole)>,
    at: DateTime<Utc>,
) -> Conversation {
    let roles: Vec<_> = std::iter::once((owner, MemberRole::Owner))
        .chain(others)
        .collect();
    let count = u32::try_from(roles.len()).unwrap();
    let conversation = new_conversation(kind, Some(name), Some(owner), count, at);
    let members: Vec<Member> = roles
        .into_iter()
        .map(|(user, role)| member(conversation.id, user, role, at))
        .collect();
    chat.conversations
        .create(&conversation, &members)
        .await
        .unwrap();
    conversation
}

/// A group `owner` owns, with `others` as members, created at `at`.
pub async fn group_at(
    chat: &Chat,
    name: &str,
    owner: UserId,
    others: &[UserId],
    at: DateTime<Utc>,
) -> Conversation {
    let others = others.iter().map(|u| (*u, MemberRole::Member));
    create(chat, ConversationKind::Group, name, owner, others, at).await
}

pub async fn group(chat: &Chat, name: &str, owner: UserId, others: &[UserId]) -> Conversation {
    group_at(chat, name, owner, others, now()).await
}

/// A group `owner` creates alone, then adds `joiners` to one a second, in turn.
pub async fn group_joined_in_turn(
    chat: &Chat,
    name: &str,
    owner: UserId,
    joiners: &[UserId],
) -> Conversation {
    let t0 = now();
    let group = group_at(chat, name, owner, &[], t0).await;
    for (i, user) in joiners.iter().enumerate() {
        let at = t0 + Duration::seconds(i64::try_from(i).unwrap() + 1);
        chat.conversations
            .add_members(group.id, owner, &[*user], at)
            .await
            .unwrap();
    }
    group
}

pub fn new_message(
    conversation: ConversationId,
    sender: UserId,
    text: &str,
    client_id: Option<&str>,
) -> NewMessage {
    NewMessage {
        id: MessageId::generate(),
        conversation_id: conversation,
        sender_id: sender,
        sender_kind: palaver_domain::user::UserKind::Person,
        content: MessageContent::parse(text).unwrap(),
        reply_to_id: None,
        client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
        attachments: Vec::new(),
        thread_root_id: None,
        mentions: Vec::new(),
    }
}

pub fn created_message(event: ConversationEvent) -> Message {
    match event.payload {
        EventPayload::MessageCreated { message } => message,
        other => panic!("expected message.created, got {other:?}"),
    }
}

/// Appends a message and returns it as stored.
pub async fn say_at(
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

pub async fn say(chat: &Chat, conversation: ConversationId, sender: UserId, text: &str) -> Message {
    say_at(chat, conversation, sender, text, now()).await
}

pub async fn events(chat: &Chat, conversation: ConversationId) -> Vec<ConversationEvent> {
    chat.conversations
        .list_events(conversation, 0, 10_000)
        .await
        .unwrap()
}

/// The conversation as stored now.
pub async fn current(chat: &Chat, conversation: ConversationId) -> Conversation {
    chat.conversations
        .find(conversation)
        .await
        .unwrap()
        .unwrap()
}

pub async fn last_seq(chat: &Chat, conversation: ConversationId) -> i64 {
    current(chat, conversation).await.last_seq
}

/// Asserts that the log holds seqs 1 to `last` without gaps, and that `last` is the
/// conversation's last seq.
pub async fn assert_log_ends_at(chat: &Chat, conversation: ConversationId, last: i64) {
    assert_eq!(last_seq(chat, conversation).await, last);
    assert_eq!(
        seqs(&events(chat, conversation).await),
        (1..=last).collect::<Vec<_>>()
    );
}

pub fn kinds(events: &[ConversationEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.type_name()).collect()
}

pub fn seqs(events: &[ConversationEvent]) -> Vec<i64> {
    events.iter().map(|e| e.seq).collect()
}

pub fn ids(messages: &[Message]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}

pub async fn unread(chat: &Chat, user: UserId, conversation: ConversationId) -> u64 {
    chat.conversations
        .list_for_user(user, None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.conversation.id == conversation)
        .map(|s| s.unread_count)
        .unwrap()
}

/// A channel `owner` owns, with `admins` and `members`.
pub async fn channel(
    chat: &Chat,
    name: &str,
    owner: UserId,
    admins: &[UserId],
    members: &[UserId],
) -> Conversation {
    let others = (admins.iter().map(|u| (*u, MemberRole::Admin)))
        .chain(members.iter().map(|u| (*u, MemberRole::Member)));
    create(chat, ConversationKind::Channel, name, owner, others, now()).await
}

/// The members whose role is owner.
pub async fn owners(chat: &Chat, conversation: ConversationId) -> Vec<UserId> {
    chat.conversations
        .list_members(conversation, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.role == MemberRole::Owner)
        .map(|m| m.user_id)
        .collect()
}

/// Renames the conversation, as `actor`.
pub async fn rename(
    chat: &Chat,
    conversation: ConversationId,
    actor: UserId,
    name: &str,
) -> Result<ConversationEvent, RepositoryError> {
    let name = ConversationName::parse(name).unwrap();
    chat.conversations
        .rename(conversation, actor, &name, now())
        .await
}

/// Removes `user` (they leave, when `actor` is `user`) from a conversation that others stay
/// in; returns the events that logged it.
pub async fn depart(
    chat: &Chat,
    conversation: ConversationId,
    actor: UserId,
    user: UserId,
) -> Vec<ConversationEvent> {
    match chat
        .conversations
        .remove_member(conversation, actor, user, now())
        .await
        .unwrap()
    {
        Departure::Left { events } => events,
        Departure::ConversationDeleted => panic!("others should remain"),
    }
}

/// Asserts that the call was refused with `Forbidden(reason)`.
pub fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, RepositoryError>, reason: &str) {
    assert!(
        matches!(&result, Err(RepositoryError::Forbidden(r)) if *r == reason),
        "expected Forbidden({reason:?}), got {result:?}"
    );
}

pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, RepositoryError>) {
    assert!(
        matches!(result, Err(RepositoryError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

pub const MAY_NOT_RENAME: &str = "only the owner and admins may rename a conversation";
pub const MAY_NOT_ADD: &str = "only the owner and admins may add members";
pub const MAY_NOT_REMOVE: &str =
    "owners remove anyone, admins remove plain members, members only leave";
