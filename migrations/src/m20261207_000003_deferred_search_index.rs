//! SQLite: new messages are indexed for search after their commit, in batches, rather than
//! by a trigger inside the transaction that writes them.
//!
//! FTS5 writes a new segment and merges at every commit, and `messages_search_keys` has a
//! random-keyed index: together they more than doubled the pages each send's commit wrote
//! and took about a fifth of the SQLite core at saturation. Now the insert trigger only
//! appends the message's id to `messages_search_pending` (an integer-keyed queue, so its
//! inserts all land on the last page), and [`INDEX_PENDING`] moves what waits there into
//! the index: the server runs it in the background after message writes, and before every
//! search, so a search finds every message committed before it began.
//!
//! Edits and deletions keep their triggers: a message still pending has no key and no FTS
//! row for them to change, and is indexed later with its content as it then stands (none,
//! for a tombstone). A message deleted outright while pending is simply skipped.
//!
//! PostgreSQL and MySQL/MariaDB index in the write itself and are unchanged.

use super::m20261121_000003_create_conversations::INDEX_ON_INSERT;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Indexes every message waiting in `messages_search_pending`, and empties it. Run it in
/// one transaction: its first statement takes SQLite's write lock, so no message is queued
/// between the reads and the final `DELETE`.
pub const INDEX_PENDING: &[&str] = &[
    "INSERT INTO messages_search_keys (message_id) \
        SELECT p.message_id FROM messages_search_pending AS p \
        WHERE EXISTS (SELECT 1 FROM messages AS m WHERE m.id = p.message_id) \
          AND NOT EXISTS (SELECT 1 FROM messages_search_keys AS k WHERE k.message_id = p.message_id) \
        ORDER BY p.id",
    "INSERT INTO messages_fts (rowid, content) \
        SELECT k.id, m.content FROM messages_search_pending AS p \
        JOIN messages_search_keys AS k ON k.message_id = p.message_id \
        JOIN messages AS m ON m.id = p.message_id \
        WHERE m.content IS NOT NULL \
          AND NOT EXISTS (SELECT 1 FROM messages_fts AS f WHERE f.rowid = k.id)",
    "DELETE FROM messages_search_pending",
];

/// Whether anything waits to be indexed (one row at most).
pub const ANY_PENDING: &str = "SELECT 1 AS pending FROM messages_search_pending LIMIT 1";

const UP: &[&str] = &[
    "CREATE TABLE messages_search_pending (\
        id INTEGER PRIMARY KEY, \
        message_id BLOB NOT NULL)",
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN \
        INSERT INTO messages_search_pending (message_id) VALUES (new.id); \
    END",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS messages_fts_insert",
    INDEX_ON_INSERT,
    "DROP TABLE IF EXISTS messages_search_pending",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction, so one connection: a pooled connection that has not seen the schema
    /// change yet would take `DROP TRIGGER IF EXISTS` for a no-op. And SQLite's DDL is
    /// transactional, so a failure leaves the schema as it was.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &[UP]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // What waits is indexed first, or it would never be.
        run(manager, &[INDEX_PENDING, DOWN]).await
    }
}

async fn run(manager: &SchemaManager<'_>, groups: &[&[&str]]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    for statement in groups.iter().flat_map(|group| group.iter()) {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
