//! SQLite's search backlog: messages are queued for the full-text index as they are
//! inserted and indexed afterwards, many at a time (see the migration
//! `m20261207_000003_deferred_search_index`). The message writer works the backlog off
//! between its batches, and every search works it off first, so that a search finds
//! every message committed before it began.

use crate::error::map_db_err;
use palaver_domain::RepositoryError;
use palaver_migrations::{ANY_PENDING, INDEX_PENDING};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use std::time::{Duration, Instant};

/// How long the writer lets the backlog grow: long enough that one index commit takes
/// many messages, short enough that a search seldom has any left to index.
const EVERY: Duration = Duration::from_millis(250);

/// Indexes whatever waits, if anything does (on SQLite; elsewhere there is no backlog).
pub(crate) async fn index_backlog(db: &DatabaseConnection) -> Result<(), RepositoryError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let waiting = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, ANY_PENDING))
        .await
        .map_err(map_db_err)?;
    if waiting.is_none() {
        return Ok(());
    }
    let txn = db.begin().await.map_err(map_db_err)?;
    for statement in INDEX_PENDING {
        txn.execute_unprepared(statement)
            .await
            .map_err(map_db_err)?;
    }
    txn.commit().await.map_err(map_db_err)
}

/// The writer's side: indexes the backlog at most every [`EVERY`].
pub(crate) struct Backlog {
    last: Instant,
}

impl Backlog {
    pub fn new() -> Self {
        Self {
            last: Instant::now(),
        }
    }

    /// Called after each batch: indexes the backlog if it is due. A failure is logged and
    /// left for the next time (or the next search).
    pub async fn after_batch(&mut self, db: &DatabaseConnection) {
        if self.last.elapsed() < EVERY {
            return;
        }
        self.last = Instant::now();
        if let Err(error) = index_backlog(db).await {
            tracing::warn!(%error, "indexing new messages for search failed; retried later");
        }
    }
}
