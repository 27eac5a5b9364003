use crate::credentials::{revoke_sessions_of, set_password_hash, spend_reset_tokens_of};
use crate::database::Database;
use crate::entities::password_reset_tokens as resets;
use crate::error::{finish, map_db_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::auth::{PasswordResetRecord, SessionId};
use palaver_domain::ports::PasswordResetRepository;
use palaver_domain::secret::TokenHash;
use palaver_domain::user::{PasswordHash, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

pub struct SqlPasswordResetRepository {
    db: DatabaseConnection,
}

impl SqlPasswordResetRepository {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }
}

#[async_trait]
impl PasswordResetRepository for SqlPasswordResetRepository {
    async fn insert(&self, record: &PasswordResetRecord) -> Result<(), RepositoryError> {
        resets::Entity::insert(resets::ActiveModel {
            token_hash: Set(record.token_hash.as_str().to_owned()),
            user_id: Set(record.user_id.as_uuid()),
            created_at: Set(record.created_at),
            expires_at: Set(record.expires_at),
            used_at: Set(None),
        })
        .exec_without_returning(&self.db)
        .await
        .map_err(map_db_err)?;
        Ok(())
    }

    async fn is_usable(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<bool, RepositoryError> {
        let usable = resets::Entity::find()
            .filter(resets::Column::TokenHash.eq(token.as_str()))
            .filter(resets::Column::UsedAt.is_null())
            .filter(resets::Column::ExpiresAt.gt(now))
            .count(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(usable > 0)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError> {
        let purged = resets::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(resets::Column::UsedAt.is_not_null())
                    .add(resets::Column::ExpiresAt.lte(now)),
            )
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(purged.rows_affected)
    }

    async fn redeem(
        &self,
        token: &TokenHash,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(UserId, Vec<SessionId>)>, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = redeem_in(&txn, token, new_hash, now).await;
        finish(txn, result).await
    }
}

async fn redeem_in(
    txn: &impl ConnectionTrait,
    token: &TokenHash,
    new_hash: &PasswordHash,
    now: DateTime<Utc>,
) -> Result<Option<(UserId, Vec<SessionId>)>, RepositoryError> {
    let spent = resets::Entity::update_many()
        .col_expr(resets::Column::UsedAt, Expr::value(now))
        .filter(resets::Column::TokenHash.eq(token.as_str()))
        .filter(resets::Column::UsedAt.is_null())
        .filter(resets::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await
        .map_err(map_db_err)?
        .rows_affected
        == 1;
    if !spent {
        return Ok(None);
    }
    let Some(record) = resets::Entity::find_by_id(token.as_str().to_owned())
        .one(txn)
        .await
        .map_err(map_db_err)?
    else {
        return Ok(None);
    };
    let user = UserId::from_uuid(record.user_id);
    // Any other reset mails of this account stop working too.
    spend_reset_tokens_of(txn, user, now).await?;
    set_password_hash(txn, user, new_hash, now).await?;
    let revoked = revoke_sessions_of(txn, user, None, now).await?;
    Ok(Some((user, revoked)))
}
