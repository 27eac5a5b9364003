//! Moving a member's delivery marker, and finding the members a message mentions.

use crate::entities::{conversation_members as members, users};
use crate::error::map_db_err;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::user::UserId;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The most usernames one lookup takes (a message of 4000 characters mentions fewer).
const MAX_NAMES: usize = 500;

pub(super) async fn mark_delivered(
    db: &DatabaseConnection,
    id: ConversationId,
    user: UserId,
    seq: i64,
) -> Result<i64, RepositoryError> {
    let key = (id.as_uuid(), user.as_uuid());
    members::Entity::update_many()
        .col_expr(members::Column::LastDeliveredSeq, Expr::value(seq))
        .filter(members::Column::ConversationId.eq(key.0))
        .filter(members::Column::UserId.eq(key.1))
        .filter(members::Column::LastDeliveredSeq.lt(seq))
        .exec(db)
        .await
        .map_err(map_db_err)?;
    members::Entity::find_by_id(key)
        .select_only()
        .column(members::Column::LastDeliveredSeq)
        .into_tuple()
        .one(db)
        .await
        .map_err(map_db_err)?
        .ok_or(RepositoryError::NotFound)
}

/// One statement: the members of `id` whose canonical username is among `usernames`.
pub(super) async fn members_named(
    db: &DatabaseConnection,
    id: ConversationId,
    usernames: &[String],
) -> Result<Vec<UserId>, RepositoryError> {
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    let names = usernames.iter().take(MAX_NAMES).cloned();
    let named = Query::select()
        .column(users::Column::Id)
        .from(users::Entity)
        .and_where(users::Column::UsernameKey.is_in(names))
        .to_owned();
    let found: Vec<Uuid> = members::Entity::find()
        .select_only()
        .column(members::Column::UserId)
        .filter(members::Column::ConversationId.eq(id.as_uuid()))
        .filter(members::Column::UserId.in_subquery(named))
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    Ok(found.into_iter().map(UserId::from_uuid).collect())
}
