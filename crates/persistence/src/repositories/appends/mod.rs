//! Group commit for new messages. Concurrent appends, to any conversations, are queued to
//! one writer task, which takes whatever is waiting (up to [`MAX_BATCH`]) and writes it in
//! one transaction: one commit (one fsync, one round of locks) for many messages, and a
//! handful of statements per conversation rather than six per message.
//!
//! Each caller still gets exactly what an append of its own would have given: the batch is
//! first tried in bulk, and if anything in it would not go through as planned (a member
//! gone, a client id taken, any statement failing), it is rolled back and written again
//! item by item, each in a savepoint of its own, so that one item's failure of any kind
//! rolls back and fails only that item. A commit that fails fails every item of the batch.
//!
//! The writer is the one place that assigns seqs to messages, so it is also the one that
//! announces them: it takes the turns of the batch's conversations (see
//! [`crate::announcer`]) before writing, and after the commit hands the batch's events to
//! the announcer in batch order (which is seq order within each conversation), then
//! answers the callers. Nothing downstream holds or reorders them.

mod attachments;
mod batch;
mod checkpoint;
mod postgres;
mod threads;

use crate::announcer::EventAnnouncer;
use crate::error::map_db_err;
use crate::repositories::search_backlog::Backlog;
use batch::write_batch;
use checkpoint::Dirty;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationEvent, NewMessage};
use palaver_domain::error::Message;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most appends written in one transaction.
pub const MAX_BATCH: usize = 256;
/// Appends waiting for the writer at most; beyond that, callers wait to queue.
const QUEUE: usize = 4 * MAX_BATCH;

/// The result an append gets.
pub type Appended = Result<ConversationEvent, RepositoryError>;

/// One append waiting for the writer.
struct Pending {
    message: NewMessage,
    now: DateTime<Utc>,
    answer: oneshot::Sender<Appended>,
}

/// The handle to the writer; appends are written alone when there is none.
pub(crate) struct GroupCommit {
    db: DatabaseConnection,
    queue: Option<mpsc::Sender<Pending>>,
    announcer: Arc<EventAnnouncer>,
}

impl GroupCommit {
    /// Starts the writer on the current tokio runtime, writing on `writer` if it has a
    /// connection of its own (SQLite; see [`crate::Database`]), else on `db`. Outside a
    /// runtime (nothing to run it on), every append is written in a transaction of its own.
    pub fn start(
        db: DatabaseConnection,
        writer: Option<DatabaseConnection>,
        announcer: Arc<EventAnnouncer>,
    ) -> Self {
        let queue = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let (queue, waiting) = mpsc::channel(QUEUE);
            // On SQLite the writer leaves WAL checkpoints to a task of their own.
            let checkpoints = (db.get_database_backend() == DatabaseBackend::Sqlite)
                .then(|| checkpoint::start(db.clone(), &runtime));
            runtime.spawn(write_batches(
                writer.unwrap_or_else(|| db.clone()),
                waiting,
                announcer.clone(),
                checkpoints,
            ));
            queue
        });
        Self {
            db,
            queue,
            announcer,
        }
    }

    pub async fn append(&self, message: &NewMessage, now: DateTime<Utc>) -> Appended {
        let Some(queue) = &self.queue else {
            return self.write_now(message, now).await;
        };
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            message: message.clone(),
            now,
            answer,
        };
        if let Err(mpsc::error::SendError(pending)) = queue.send(pending).await {
            // The writer is gone with the runtime it ran on: write it here instead.
            return self.write_now(&pending.message, pending.now).await;
        }
        answered.await.unwrap_or_else(|_| {
            Err(RepositoryError::unexpected(Message(
                "the message writer stopped before answering".into(),
            )))
        })
    }

    /// Writes these appends as one batch, now, with no queue.
    pub async fn write_now_batch(&self, appends: &[(NewMessage, DateTime<Utc>)]) -> Vec<Appended> {
        let requests: Vec<(&NewMessage, DateTime<Utc>)> = appends
            .iter()
            .map(|(message, now)| (message, *now))
            .collect();
        let turns = self
            .announcer
            .turns(requests.iter().map(|(message, _)| message.conversation_id))
            .await;
        let results = write_batch(&self.db, &requests, None).await;
        turns.announce(results.iter().flatten());
        results
    }

    async fn write_now(&self, message: &NewMessage, now: DateTime<Utc>) -> Appended {
        let turn = self.announcer.turn(message.conversation_id).await;
        let results = write_batch(&self.db, &[(message, now)], None).await;
        turn.announce(results.iter().flatten());
        results
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(map_db_err(sea_orm::DbErr::Custom("no result".into()))))
    }
}

/// The writer: takes whatever is queued, writes it, answers each caller; stops when every
/// handle is gone.
async fn write_batches(
    db: DatabaseConnection,
    mut waiting: mpsc::Receiver<Pending>,
    announcer: Arc<EventAnnouncer>,
    checkpoints: Option<Dirty>,
) {
    // On SQLite, what was written waits to be indexed for search (see `search_backlog`).
    let mut backlog = (db.get_database_backend() == DatabaseBackend::Sqlite).then(Backlog::new);
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let requests: Vec<(&NewMessage, DateTime<Utc>)> = batch
            .iter()
            .map(|pending| (&pending.message, pending.now))
            .collect();
        let turns = announcer
            .turns(requests.iter().map(|(message, _)| message.conversation_id))
            .await;
        let results = write_batch(&db, &requests, checkpoints.as_ref()).await;
        drop(requests);
        turns.announce(results.iter().flatten());
        for (pending, result) in batch.drain(..).zip(results) {
            // A caller that gave up waiting no longer hears; its message stands all the same.
            let _ = pending.answer.send(result);
        }
        if let Some(backlog) = &mut backlog {
            backlog.after_batch(&db).await;
        }
    }
}
