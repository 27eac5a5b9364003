//! The per-conversation event log, as steps run inside the caller's transaction.
//!
//! A change that is an event first bumps `conversations.last_seq` with one UPDATE, then reads
//! it back, then makes the change and writes the event with that seq. The UPDATE comes
//! first so that the row lock (PostgreSQL, MySQL) or the write lock (SQLite) is taken before
//! anything is read: concurrent writers to one conversation queue there, and seqs are
//! handed out in commit order with no repeat and no gap (a rolled-back transaction gives
//! its seq back).

use crate::annotations::annotate;
use crate::entities::{conversations, events, messages};
use crate::error::{map_db_err, map_write_err};
use crate::mapping::{
    EventSubjects, carries_conversation, carries_message, conversation_from_row, event_from_row,
    event_to_row, message_from_row,
};
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationEvent, ConversationId, EventPayload, Message};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The most ids one `IN (...)` list carries, well below every backend's parameter limit.
pub const IDS_PER_QUERY: usize = 500;

/// Takes the conversation's lock without changing it, for transactions that must read
/// before they know whether they log anything. `NotFound` if the conversation is gone.
pub async fn lock_conversation(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
) -> Result<(), RepositoryError> {
    let locked = conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastSeq,
            Expr::col(conversations::Column::LastSeq),
        )
        .filter(conversations::Column::Id.eq(conversation.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if locked.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    Ok(())
}

/// Allocates the conversation's next `count` seqs and returns the first; the
/// conversation's activity moves to `now`. `NotFound` if the conversation is gone.
pub async fn allocate_seqs(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    count: i64,
    now: DateTime<Utc>,
) -> Result<i64, RepositoryError> {
    let bumped = conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastSeq,
            Expr::col(conversations::Column::LastSeq).add(count),
        )
        .col_expr(conversations::Column::UpdatedAt, Expr::value(now))
        .col_expr(conversations::Column::LastActivityAt, Expr::value(now))
        .filter(conversations::Column::Id.eq(conversation.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if bumped.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    let last: i64 = conversations::Entity::find_by_id(conversation.as_uuid())
        .select_only()
        .column(conversations::Column::LastSeq)
        .into_tuple()
        .one(txn)
        .await
        .map_err(map_db_err)?
        .ok_or(RepositoryError::NotFound)?;
    Ok(last - count + 1)
}

/// The conversation's next seq; see [`allocate_seqs`].
pub async fn next_seq(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    now: DateTime<Utc>,
) -> Result<i64, RepositoryError> {
    allocate_seqs(txn, conversation, 1, now).await
}

/// Writes one event with a seq from [`allocate_seqs`].
pub async fn log_event(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    seq: i64,
    now: DateTime<Utc>,
    payload: EventPayload,
) -> Result<ConversationEvent, RepositoryError> {
    let event = ConversationEvent {
        conversation_id: conversation,
        seq,
        created_at: now,
        payload,
    };
    log_events(txn, std::slice::from_ref(&event)).await?;
    Ok(event)
}

/// Writes events with seqs from [`allocate_seqs`], many to a statement.
pub async fn log_events(
    txn: &impl ConnectionTrait,
    events: &[ConversationEvent],
) -> Result<(), RepositoryError> {
    for chunk in events.chunks(IDS_PER_QUERY) {
        events::Entity::insert_many(chunk.iter().map(event_to_row))
            .exec_without_returning(txn)
            .await
            .map_err(map_write_err)?;
    }
    Ok(())
}

/// The events after `after_seq`, in order, with payloads read from the rows as they stand
/// now: one query for the events, one per [`IDS_PER_QUERY`] messages they name (and the
/// four of their annotations), and one for
/// the conversation if a `conversation.updated` is among them or a named message is
/// missing. Run it inside one (read) transaction, so that all of them see one snapshot; a
/// subject that is missing even so is `NotFound` if the conversation is gone too (it was
/// deleted meanwhile), and corruption if not.
pub async fn load_events(
    db: &impl ConnectionTrait,
    conversation: ConversationId,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<ConversationEvent>, RepositoryError> {
    let rows = events::Entity::find()
        .filter(events::Column::ConversationId.eq(conversation.as_uuid()))
        .filter(events::Column::Seq.gt(after_seq))
        .order_by_asc(events::Column::Seq)
        .limit(limit)
        .all(db)
        .await
        .map_err(map_db_err)?;

    let mut subjects = EventSubjects::default();
    let message_ids: Vec<uuid::Uuid> = rows
        .iter()
        .filter(|row| carries_message(&row.kind))
        .filter_map(|row| row.message_id)
        .collect();
    for ids in message_ids.chunks(IDS_PER_QUERY) {
        let mut found: Vec<Message> = messages::Entity::find()
            .filter(messages::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        annotate(db, &mut found).await?;
        for message in found {
            subjects.messages.insert(message.id.as_uuid(), message);
        }
    }
    crate::repositories::load_attachments(db, subjects.messages.values_mut()).await?;
    let message_missing = message_ids
        .iter()
        .any(|id| !subjects.messages.contains_key(id));
    if message_missing || rows.iter().any(|row| carries_conversation(&row.kind)) {
        subjects.conversation = conversations::Entity::find_by_id(conversation.as_uuid())
            .one(db)
            .await
            .map_err(map_db_err)?
            .map(conversation_from_row)
            .transpose()?;
        subjects.conversation_gone = subjects.conversation.is_none();
    }
    rows.into_iter()
        .map(|row| event_from_row(row, &subjects))
        .collect()
}
