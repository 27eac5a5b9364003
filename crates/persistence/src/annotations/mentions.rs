//! The members each message mentions.

use crate::entities::message_mentions as mentions;
use crate::error::map_db_err;
use palaver_domain::RepositoryError;
use palaver_domain::user::UserId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// One statement: the mentions of these messages, each message's by user id.
pub async fn load(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<UserId>>, RepositoryError> {
    let rows: Vec<(Uuid, Uuid)> = mentions::Entity::find()
        .select_only()
        .column(mentions::Column::MessageId)
        .column(mentions::Column::UserId)
        .filter(mentions::Column::MessageId.is_in(ids.iter().copied()))
        .order_by_asc(mentions::Column::UserId)
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    let mut found: HashMap<Uuid, Vec<UserId>> = HashMap::new();
    for (message, user) in rows {
        found
            .entry(message)
            .or_default()
            .push(UserId::from_uuid(user));
    }
    Ok(found)
}
