//! Reading messages by their marks and threads: a conversation's pins, a thread's
//! replies. Each page is annotated as a whole (see [`crate::annotations`]).

use crate::annotations::annotate;
use crate::entities::{message_pins as pins, messages};
use crate::error::map_db_err;
use crate::mapping::message_from_row;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationId, Message, MessageId, Pin};
use palaver_domain::ports::MessagePage;
use palaver_domain::user::UserId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// The most pins a conversation lists.
const MAX_PINS: u64 = 200;

/// The conversation's pinned (undeleted) messages, newest pin first: three statements
/// and the annotations' four.
pub async fn pins(
    db: &impl ConnectionTrait,
    conversation: ConversationId,
) -> Result<Vec<Pin>, RepositoryError> {
    let rows: Vec<(Uuid, Option<Uuid>, DateTime<Utc>)> = pins::Entity::find()
        .select_only()
        .column(pins::Column::MessageId)
        .column(pins::Column::PinnedBy)
        .column(pins::Column::PinnedAt)
        .filter(pins::Column::ConversationId.eq(conversation.as_uuid()))
        .order_by_desc(pins::Column::PinnedAt)
        .order_by_desc(pins::Column::MessageId)
        .limit(MAX_PINS)
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<Message> = messages::Entity::find()
        .filter(messages::Column::Id.is_in(rows.iter().map(|row| row.0)))
        .filter(messages::Column::DeletedAt.is_null())
        .all(db)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?;
    annotate(db, &mut found).await?;
    let mut by_id: HashMap<Uuid, Message> =
        found.into_iter().map(|m| (m.id.as_uuid(), m)).collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, pinned_by, pinned_at)| {
            by_id.remove(&id).map(|message| Pin {
                message,
                pinned_by: pinned_by.map(UserId::from_uuid),
                pinned_at,
            })
        })
        .collect())
}

/// The replies in `root`'s thread after `after_seq`, in seq order, deleted ones as
/// tombstones like any message list.
pub async fn thread(
    db: &impl ConnectionTrait,
    root: MessageId,
    after_seq: i64,
    limit: u64,
) -> Result<MessagePage, RepositoryError> {
    let mut rows = messages::Entity::find()
        .filter(messages::Column::ThreadRootId.eq(root.as_uuid()))
        .filter(messages::Column::Seq.gt(after_seq))
        .order_by_asc(messages::Column::Seq)
        .limit(limit.saturating_add(1))
        .all(db)
        .await
        .map_err(map_db_err)?;
    let has_more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut messages: Vec<Message> = rows
        .into_iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?;
    annotate(db, &mut messages).await?;
    Ok(MessagePage { messages, has_more })
}
