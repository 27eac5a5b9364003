//! Bot users and their tokens.

use crate::database::Database;
use crate::entities::{bot_tokens, users};
use crate::error::{corrupt, finish, map_db_err, map_insert_err, map_write_err};
use crate::mapping::{user_from_row, user_to_row};
use async_trait::async_trait;
use palaver_domain::auth::{Actor, BotTokenRecord, SessionId};
use palaver_domain::ports::BotRepository;
use palaver_domain::secret::TokenHash;
use palaver_domain::user::{Role, User, UserId, UserKind};
use palaver_domain::{RepositoryError, Taken};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

pub struct SqlBotRepository {
    db: DatabaseConnection,
}

impl SqlBotRepository {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }
}

fn token_row(record: &BotTokenRecord) -> bot_tokens::ActiveModel {
    bot_tokens::ActiveModel {
        id: Set(record.id.as_uuid()),
        user_id: Set(record.bot_id.as_uuid()),
        token_hash: Set(record.token_hash.as_str().to_owned()),
        created_at: Set(record.created_at),
    }
}

async fn insert_in(
    txn: &impl ConnectionTrait,
    bot: &User,
    token: &BotTokenRecord,
) -> Result<(), RepositoryError> {
    users::Entity::insert(user_to_row(bot))
        .exec_without_returning(txn)
        .await
        .map_err(map_insert_err(Taken::Username))?;
    bot_tokens::Entity::insert(token_row(token))
        .exec_without_returning(txn)
        .await
        .map_err(map_insert_err(Taken::Record))?;
    Ok(())
}

/// Locks the bot's row (so that two re-issues queue rather than both keep a token), then
/// swaps its tokens for `replacement`.
async fn replace_in(
    txn: &impl ConnectionTrait,
    replacement: &BotTokenRecord,
) -> Result<Vec<SessionId>, RepositoryError> {
    let bot = replacement.bot_id.as_uuid();
    let locked = users::Entity::update_many()
        .col_expr(
            users::Column::UpdatedAt,
            sea_orm::sea_query::Expr::col(users::Column::UpdatedAt),
        )
        .filter(users::Column::Id.eq(bot))
        .filter(users::Column::Kind.eq(UserKind::Bot.as_str()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if locked.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    let revoked: Vec<Uuid> = bot_tokens::Entity::find()
        .select_only()
        .column(bot_tokens::Column::Id)
        .filter(bot_tokens::Column::UserId.eq(bot))
        .into_tuple()
        .all(txn)
        .await
        .map_err(map_db_err)?;
    bot_tokens::Entity::delete_many()
        .filter(bot_tokens::Column::UserId.eq(bot))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    bot_tokens::Entity::insert(token_row(replacement))
        .exec_without_returning(txn)
        .await
        .map_err(map_write_err)?;
    Ok(revoked.into_iter().map(SessionId::from_uuid).collect())
}

#[async_trait]
impl BotRepository for SqlBotRepository {
    async fn insert(&self, bot: &User, token: &BotTokenRecord) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = insert_in(&txn, bot, token).await;
        finish(txn, result).await
    }

    async fn find_bot(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        users::Entity::find_by_id(id.as_uuid())
            .filter(users::Column::Kind.eq(UserKind::Bot.as_str()))
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .map(user_from_row)
            .transpose()
    }

    async fn replace_token(
        &self,
        replacement: &BotTokenRecord,
    ) -> Result<Vec<SessionId>, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = replace_in(&txn, replacement).await;
        finish(txn, result).await
    }

    async fn find_actor(&self, token: &TokenHash) -> Result<Option<Actor>, RepositoryError> {
        let found: Option<(Uuid, Uuid, String, String)> = bot_tokens::Entity::find()
            .select_only()
            .column(bot_tokens::Column::Id)
            .column(bot_tokens::Column::UserId)
            .column(users::Column::Role)
            .column(users::Column::Kind)
            .inner_join(users::Entity)
            .filter(bot_tokens::Column::TokenHash.eq(token.as_str()))
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(map_db_err)?;
        let Some((token_id, user_id, role, kind)) = found else {
            return Ok(None);
        };
        let kind = UserKind::parse(&kind).map_err(|e| corrupt("users", e))?;
        if !kind.is_bot() {
            return Err(corrupt("bot_tokens", "a token of a user who is no bot"));
        }
        Ok(Some(Actor {
            user_id: UserId::from_uuid(user_id),
            session_id: SessionId::from_uuid(token_id),
            role: Role::parse(&role).map_err(|e| corrupt("users", e))?,
            kind,
        }))
    }
}
