//! Fixtures shared by the repository test files: connecting to the test database, clock
//! readings it stores exactly, users, and groups.
#![allow(dead_code)] // each test file uses its own share of these

use chrono::{DateTime, SubsecRound, Utc};
use palaver_domain::conversation::{
    Conversation, ConversationId, ConversationKind, ConversationName, Member, MemberRole,
};
use palaver_domain::ports::{ConversationRepository, UserRepository};
use palaver_domain::user::{EmailAddress, PasswordHash, Role, User, UserId, Username};
use palaver_migrations::testing::TestDatabase;
use palaver_persistence::{
    ConnectSettings, Database, SqlConversationRepository, SqlUserRepository,
};

/// A pool of at most `max_connections` on the test database.
pub async fn connect_with(database: &TestDatabase, max_connections: u32) -> Database {
    Database::connect(&ConnectSettings {
        url: database.url().to_owned(),
        max_connections,
        min_connections: 1,
        connect_timeout: std::time::Duration::from_secs(10),
    })
    .await
    .unwrap()
}

pub async fn connect(database: &TestDatabase) -> Database {
    connect_with(database, 8).await
}

/// The current time to the microsecond, which every backend stores exactly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn user(name: &str) -> User {
    let at = now();
    User {
        id: UserId::generate(),
        username: Username::parse(name).unwrap(),
        email: Some(EmailAddress::parse(&format!("{name}@example.org")).unwrap()),
        phone: None,
        first_name: None,
        last_name: None,
        avatar_url: None,
        role: Role::User,
        kind: palaver_domain::user::UserKind::Person,
        password_hash: PasswordHash::from_stored("$2b$04$hash".into()),
        created_at: at,
        updated_at: at,
        last_seen_at: None,
    }
}

/// Stores a user of each name and returns their ids, in order.
pub async fn insert_users(users: &SqlUserRepository, names: &[&str]) -> Vec<UserId> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let user = user(name);
        users.insert(&user).await.unwrap();
        ids.push(user.id);
    }
    ids
}

/// Stores a group named `name` whose only member is its owner; returns its id.
pub async fn insert_group(
    conversations: &SqlConversationRepository,
    owner: UserId,
    name: &str,
) -> ConversationId {
    let at = now();
    let group = Conversation {
        id: ConversationId::generate(),
        kind: ConversationKind::Group,
        name: Some(ConversationName::parse(name).unwrap()),
        owner_id: Some(owner),
        created_at: at,
        updated_at: at,
        last_seq: 0,
        member_count: 1,
    };
    let member = Member {
        conversation_id: group.id,
        user_id: owner,
        role: MemberRole::Owner,
        joined_at: at,
        last_read_seq: 0,
        last_delivered_seq: 0,
    };
    conversations.create(&group, &[member]).await.unwrap();
    group.id
}
