//! Steps shared by the transactions that change a password: they run inside the caller's
//! transaction so that the new password and the revoked sessions land together.

use crate::entities::{password_reset_tokens, sessions, users};
use crate::error::map_db_err;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::auth::SessionId;
use palaver_domain::user::{PasswordHash, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// `NotFound` if the user does not exist.
pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    user: UserId,
    hash: &PasswordHash,
    now: DateTime<Utc>,
) -> Result<(), RepositoryError> {
    let result = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash.as_str()))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.as_uuid()))
        .exec(db)
        .await
        .map_err(map_db_err)?;
    if result.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    Ok(())
}

/// Revokes the user's live sessions except `keep`; returns the ones it revoked.
pub async fn revoke_sessions_of(
    db: &impl ConnectionTrait,
    user: UserId,
    keep: Option<SessionId>,
    now: DateTime<Utc>,
) -> Result<Vec<SessionId>, RepositoryError> {
    let mut live = sessions::Entity::find()
        .select_only()
        .column(sessions::Column::Id)
        .filter(sessions::Column::UserId.eq(user.as_uuid()))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        live = live.filter(sessions::Column::Id.ne(keep.as_uuid()));
    }
    let ids: Vec<uuid::Uuid> = live.into_tuple().all(db).await.map_err(map_db_err)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(sessions::Column::Id.is_in(ids.clone()))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map_err(map_db_err)?;
    Ok(ids.into_iter().map(SessionId::from_uuid).collect())
}

/// Spends every outstanding reset token of the user: the password they would reset has just
/// changed, or the mail carrying them went to an address that is no longer the account's.
pub async fn spend_reset_tokens_of(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), RepositoryError> {
    password_reset_tokens::Entity::update_many()
        .col_expr(password_reset_tokens::Column::UsedAt, Expr::value(now))
        .filter(password_reset_tokens::Column::UserId.eq(user.as_uuid()))
        .filter(password_reset_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await
        .map_err(map_db_err)?;
    Ok(())
}
