//! SQLite's WAL checkpoints, moved off the writer's commits, and the writer's own
//! connection.
//!
//! By default SQLite checkpoints inside the commit that takes the write-ahead log past
//! 1,000 pages: that commit copies the pages into the database file and syncs it before it
//! returns, so every few hundred batches one batch's callers (and every delivery behind
//! them) wait milliseconds longer. The writer writes on a connection of its own with that
//! turned off (`wal_autocheckpoint = 0`, set when the connection opens), and this task
//! checkpoints instead, `PASSIVE` (never waiting for readers or the writer), on a pooled
//! connection, whose sqlx worker thread does the sync.
//!
//! The connection of its own also keeps the writer's page cache: SQLite drops a
//! connection's cache whenever another connection has written since it last read, so a
//! writer taking whichever pooled connection is idle would read its B-tree pages again for
//! nearly every batch.

use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection, SqlxSqliteConnector};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often a log that has grown is checkpointed.
const EVERY: Duration = Duration::from_millis(250);
/// How often the log is checkpointed even if the writer wrote nothing (other writes may
/// have added to it; they checkpoint as SQLite does by default only past 1,000 pages).
const AT_LEAST_EVERY: Duration = Duration::from_secs(10);

/// The writer's connection to the same SQLite database as `db` (`db` must be SQLite): a
/// pool of one, opened when first used, with the commit-time checkpoint turned off.
pub fn writer_connection(db: &DatabaseConnection) -> DatabaseConnection {
    let options = (*db.get_sqlite_connection_pool().connect_options())
        .clone()
        .pragma("wal_autocheckpoint", "0");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
}

/// The writer's side: marks the log as grown. The task stops once this is dropped.
pub struct Dirty(Arc<AtomicBool>);

impl Dirty {
    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Starts the checkpointing task on the current runtime.
pub fn start(db: DatabaseConnection, runtime: &tokio::runtime::Handle) -> Dirty {
    let dirty = Arc::new(AtomicBool::new(false));
    runtime.spawn(checkpoint(db, Arc::downgrade(&dirty)));
    Dirty(dirty)
}

async fn checkpoint(db: DatabaseConnection, dirty: Weak<AtomicBool>) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let rounds_between_forced = (AT_LEAST_EVERY.as_millis() / EVERY.as_millis()).max(1);
    let mut round: u128 = 0;
    loop {
        ticks.tick().await;
        let Some(flag) = dirty.upgrade() else {
            // The writer is gone: a last checkpoint for what it wrote.
            let _ = db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await;
            return;
        };
        round += 1;
        let grown = flag.swap(false, Ordering::Relaxed);
        drop(flag);
        if !grown && !round.is_multiple_of(rounds_between_forced) {
            continue;
        }
        if let Err(error) = db
            .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
            .await
        {
            tracing::warn!(%error, "checkpointing the SQLite write-ahead log failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_migrations::testing::TestDatabase;
    use sea_orm::{DbBackend, Statement};

    async fn pragma(db: &DatabaseConnection, name: &str) -> String {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0)
            .map(|value| value.to_string())
            .or_else(|_| row.try_get_by_index::<String>(0))
            .unwrap()
    }

    #[tokio::test]
    async fn the_writers_connection_leaves_checkpoints_to_the_task_and_keeps_the_pools_settings() {
        // A fresh SQLite file whatever PALAVER_TEST_DATABASE_URL says: this is SQLite's writer.
        let database = TestDatabase::create_sqlite().await;
        let db = database.connect(2).await;
        let writer = writer_connection(&db);
        assert_eq!(pragma(&writer, "wal_autocheckpoint").await, "0");
        assert_eq!(pragma(&db, "wal_autocheckpoint").await, "1000");
        for setting in [
            "journal_mode",
            "synchronous",
            "foreign_keys",
            "busy_timeout",
        ] {
            assert_eq!(
                pragma(&writer, setting).await,
                pragma(&db, setting).await,
                "{setting}"
            );
        }
        // The same database: what one writes, the other reads.
        writer
            .execute_unprepared("CREATE TABLE written_by_the_writer (x INTEGER)")
            .await
            .unwrap();
        db.execute_unprepared("INSERT INTO written_by_the_writer VALUES (1)")
            .await
            .unwrap();
    }
}
