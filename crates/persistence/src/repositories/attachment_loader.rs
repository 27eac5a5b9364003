//! The attachments of a page of messages, in ONE statement whatever the page's size (per
//! [`IDS_PER_QUERY`] messages): never one query per message.

use crate::entities::attachments;
use crate::error::map_db_err;
use crate::event_log::IDS_PER_QUERY;
use crate::mapping::attachment_from_row;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::Message;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

/// Fills in each message's `attachments` (by id, which is upload order). Deleted messages
/// have none; a page without a live message costs no statement.
pub async fn load_attachments<'a>(
    db: &impl ConnectionTrait,
    messages: impl IntoIterator<Item = &'a mut Message>,
) -> Result<(), RepositoryError> {
    let mut by_id: HashMap<Uuid, &'a mut Message> = messages
        .into_iter()
        .filter(|message| !message.is_deleted())
        .map(|message| (message.id.as_uuid(), message))
        .collect();
    let ids: Vec<Uuid> = by_id.keys().copied().collect();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows = attachments::Entity::find()
            .filter(attachments::Column::MessageId.is_in(chunk.iter().copied()))
            .filter(attachments::Column::DeletedAt.is_null())
            .order_by_asc(attachments::Column::Id)
            .all(db)
            .await
            .map_err(map_db_err)?;
        for row in rows {
            let Some(message) = row.message_id.and_then(|id| by_id.get_mut(&id)) else {
                continue;
            };
            message.attachments.push(attachment_from_row(row)?);
        }
    }
    Ok(())
}
