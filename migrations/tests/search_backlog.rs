//! SQLite's search backlog (`m20261207_000003_deferred_search_index`): new messages wait
//! to be indexed, and taking the migration down indexes them rather than losing them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

use palaver_migrations::{ConnectSettings, INDEX_PENDING, Migrator, MigratorTrait, connect};
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::time::Duration;

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

async fn insert_message(db: &DatabaseConnection, id: &str, seq: i64, content: &str) {
    db.execute_unprepared(&format!(
        "INSERT INTO messages (id, conversation_id, seq, sender_id, content, created_at) \
         VALUES ('{id}', 'c1', {seq}, 'u1', '{content}', '2026-12-07T00:00:00Z')"
    ))
    .await
    .unwrap();
}

const FOUND: &str = "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'walrus'";
const WAITING: &str = "SELECT count(*) FROM messages_search_pending";

#[tokio::test]
async fn new_messages_wait_for_the_index_and_going_down_indexes_them() {
    let dir =
        std::env::temp_dir().join(format!("palaver-backlog-{}", uuid::Uuid::new_v4().simple()));
    let db = connect(&ConnectSettings {
        url: format!("sqlite://{}/s.db?mode=rwc", dir.display()),
        max_connections: 1,
        min_connections: 0,
        connect_timeout: Duration::from_secs(5),
    })
    .await
    .unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO users (id, username, username_key, role, password_hash, created_at, updated_at) \
         VALUES ('u1', 'ada', 'ada', 'user', 'x', '2026-12-07T00:00:00Z', '2026-12-07T00:00:00Z')",
    )
    .await
    .unwrap();
    db.execute_unprepared(
        "INSERT INTO conversations (id, kind, last_seq, last_activity_at, created_at, updated_at) \
         VALUES ('c1', 'group', 0, '2026-12-07T00:00:00Z', '2026-12-07T00:00:00Z', '2026-12-07T00:00:00Z')",
    )
    .await
    .unwrap();

    insert_message(&db, "m1", 1, "walrus one").await;
    insert_message(&db, "m2", 2, "walrus two").await;
    assert_eq!(count(&db, WAITING).await, 2);
    assert_eq!(
        count(&db, FOUND).await,
        0,
        "indexed after the commit, not in it"
    );

    // Indexing takes what waits, once: running it again adds nothing.
    for statement in INDEX_PENDING {
        db.execute_unprepared(statement).await.unwrap();
    }
    assert_eq!(count(&db, FOUND).await, 2);
    assert_eq!(count(&db, WAITING).await, 0);

    insert_message(&db, "m3", 3, "walrus three").await;
    Migrator::down(&db, Some(1)).await.unwrap();
    assert_eq!(
        count(&db, FOUND).await,
        3,
        "what waited is indexed on the way down"
    );
    insert_message(&db, "m4", 4, "walrus four").await;
    assert_eq!(
        count(&db, FOUND).await,
        4,
        "the old trigger indexes in the insert again"
    );

    Migrator::up(&db, None).await.unwrap();
    insert_message(&db, "m5", 5, "walrus five").await;
    assert_eq!(count(&db, FOUND).await, 4);
    assert_eq!(count(&db, WAITING).await, 1);
    db.close().await.unwrap();
    std::fs::remove_dir_all(&dir).ok();
}
