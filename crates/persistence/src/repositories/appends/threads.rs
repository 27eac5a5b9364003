//! Checking the thread roots new messages name, inside the append's transaction and under
//! the conversation's lock: the root must be an undeleted message of the same
//! conversation. A reply to a reply joins that reply's thread (threads are one level
//! deep), so what is stored is always a root.

use crate::entities::messages;
use crate::error::map_db_err;
use crate::event_log::IDS_PER_QUERY;
use chrono::{DateTime, Utc};
use palaver_domain::conversation::{ConversationId, MessageId, NewMessage};
use palaver_domain::{RepositoryError, ValidationError};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

type Row = (Uuid, Uuid, Option<Uuid>, Option<DateTime<Utc>>);

/// The named roots, as stored: conversation, own root, deletion. One statement per
/// [`IDS_PER_QUERY`] roots; none when no message names one.
pub async fn load_roots<'a>(
    txn: &impl ConnectionTrait,
    messages: impl IntoIterator<Item = &'a NewMessage>,
) -> Result<HashMap<Uuid, Row>, RepositoryError> {
    let mut ids: Vec<Uuid> = messages
        .into_iter()
        .filter_map(|m| m.thread_root_id.map(|id| id.as_uuid()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<Row> = messages::Entity::find()
            .select_only()
            .column(messages::Column::Id)
            .column(messages::Column::ConversationId)
            .column(messages::Column::ThreadRootId)
            .column(messages::Column::DeletedAt)
            .filter(messages::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(txn)
            .await
            .map_err(map_db_err)?;
        found.extend(rows.into_iter().map(|row| (row.0, row)));
    }
    Ok(found)
}

/// The root the message's reply goes under, or `Invalid` on `thread_root_id`.
pub fn resolve_root(
    message: &NewMessage,
    roots: &HashMap<Uuid, Row>,
) -> Result<Option<MessageId>, RepositoryError> {
    let Some(named) = message.thread_root_id else {
        return Ok(None);
    };
    match roots.get(&named.as_uuid()) {
        Some((id, conversation, own_root, None))
            if ConversationId::from_uuid(*conversation) == message.conversation_id =>
        {
            Ok(Some(MessageId::from_uuid(own_root.unwrap_or(*id))))
        }
        Some((_, _, _, Some(_))) => Err(RepositoryError::Invalid(ValidationError::new(
            "thread_root_id",
            "names a deleted message",
        ))),
        _ => Err(RepositoryError::Invalid(ValidationError::new(
            "thread_root_id",
            "must be a message of this conversation",
        ))),
    }
}
