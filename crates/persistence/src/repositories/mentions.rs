//! Storing whom a message mentions, at send and at edit.

use crate::entities::message_mentions as mentions;
use crate::error::map_db_err;
use crate::event_log::IDS_PER_QUERY;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::MessageId;
use palaver_domain::user::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Inserts the mentions of new messages, many to a statement (none when nobody is
/// mentioned).
pub async fn insert_mentions<'a>(
    txn: &impl ConnectionTrait,
    messages: impl IntoIterator<Item = (MessageId, &'a [UserId])>,
) -> Result<(), RepositoryError> {
    let rows: Vec<mentions::ActiveModel> = messages
        .into_iter()
        .flat_map(|(message, users)| {
            users.iter().map(move |user| mentions::ActiveModel {
                message_id: Set(message.as_uuid()),
                user_id: Set(user.as_uuid()),
            })
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<mentions::ActiveModel> = rows.by_ref().take(IDS_PER_QUERY).collect();
        mentions::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await
            .map_err(map_db_err)?;
    }
    Ok(())
}

/// Replaces an edited message's mentions.
pub async fn replace_mentions(
    txn: &impl ConnectionTrait,
    message: MessageId,
    users: &[UserId],
) -> Result<(), RepositoryError> {
    mentions::Entity::delete_many()
        .filter(mentions::Column::MessageId.eq(message.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    insert_mentions(txn, [(message, users)]).await
}
