//! When each message was pinned, if it is.

use crate::entities::message_pins as pins;
use crate::error::map_db_err;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// One statement: the pins of these messages.
pub async fn load(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, DateTime<Utc>>, RepositoryError> {
    let rows: Vec<(Uuid, DateTime<Utc>)> = pins::Entity::find()
        .select_only()
        .column(pins::Column::MessageId)
        .column(pins::Column::PinnedAt)
        .filter(pins::Column::MessageId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    Ok(rows.into_iter().collect())
}
