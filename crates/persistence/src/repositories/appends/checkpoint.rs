//! SQLite's WAL checkpoints, moved off the writer's commits.
//!
//! By default SQLite checkpoints inside the commit that takes the write-ahead log past
//! 1,000 pages: that commit copies the pages into the database file and syncs it before it
//! returns, so every few hundred batches one batch's callers (and every delivery behind
//! them) wait milliseconds longer. The writer writes on a connection of its own with that
//! turned off (`wal_autocheckpoint = 0`, set when the connection opens; see
//! `crate::Database`), and this task checkpoints instead, `PASSIVE` (never waiting for
//! readers or the writer), on a pooled connection, whose sqlx worker thread does the sync.

use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How often a log that has grown is checkpointed.
const EVERY: Duration = Duration::from_millis(250);
/// How often the log is checkpointed even if the writer wrote nothing (other writes may
/// have added to it; they checkpoint as SQLite does by default only past 1,000 pages).
const AT_LEAST_EVERY: Duration = Duration::from_secs(10);

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
