use crate::database::Database;
use crate::entities::{refresh_tokens, sessions, users};
use crate::error::{corrupt, finish, map_db_err};
use crate::mapping::session_from_row;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::auth::{Actor, RefreshTokenRecord, RotationOutcome, Session, SessionId};
use palaver_domain::ports::SessionRepository;
use palaver_domain::secret::TokenHash;
use palaver_domain::user::{Role, UserId, UserKind};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

pub struct SqlSessionRepository {
    db: DatabaseConnection,
}

impl SqlSessionRepository {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }
}

#[async_trait]
impl SessionRepository for SqlSessionRepository {
    async fn create(
        &self,
        session: &Session,
        first_token: &RefreshTokenRecord,
    ) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = insert_session(&txn, session, first_token).await;
        finish(txn, result).await
    }

    async fn rotate(
        &self,
        presented: &TokenHash,
        replacement_hash: &TokenHash,
        replacement_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotationOutcome, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let replacement = |session_id| RefreshTokenRecord {
            token_hash: replacement_hash.clone(),
            session_id,
            created_at: now,
            expires_at: replacement_expires_at,
        };
        let result = rotate_in(&txn, presented, replacement, now).await;
        finish(txn, result).await
    }

    async fn find_active_actor(&self, id: SessionId) -> Result<Option<Actor>, RepositoryError> {
        let found = sessions::Entity::find_by_id(id.as_uuid())
            .filter(sessions::Column::RevokedAt.is_null())
            .find_also_related(users::Entity)
            .one(&self.db)
            .await
            .map_err(map_db_err)?;
        let Some((session, Some(user))) = found else {
            return Ok(None);
        };
        Ok(Some(Actor {
            user_id: UserId::from_uuid(user.id),
            session_id: SessionId::from_uuid(session.id),
            role: Role::parse(&user.role).map_err(|e| corrupt("users", e))?,
            kind: UserKind::parse(&user.kind).map_err(|e| corrupt("users", e))?,
        }))
    }

    async fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> Result<bool, RepositoryError> {
        revoke_session(&self.db, id.as_uuid(), now).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError> {
        refresh_tokens::Entity::delete_many()
            .filter(refresh_tokens::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        let with_tokens = Query::select()
            .column(refresh_tokens::Column::SessionId)
            .from(refresh_tokens::Entity)
            .to_owned();
        let purged = sessions::Entity::delete_many()
            .filter(sessions::Column::Id.not_in_subquery(with_tokens))
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(purged.rows_affected)
    }
}

async fn insert_session(
    db: &impl ConnectionTrait,
    session: &Session,
    first_token: &RefreshTokenRecord,
) -> Result<(), RepositoryError> {
    sessions::Entity::insert(sessions::ActiveModel {
        id: Set(session.id.as_uuid()),
        user_id: Set(session.user_id.as_uuid()),
        created_at: Set(session.created_at),
        revoked_at: Set(session.revoked_at),
    })
    .exec_without_returning(db)
    .await
    .map_err(map_db_err)?;
    insert_token(db, first_token).await
}

async fn insert_token(
    db: &impl ConnectionTrait,
    record: &RefreshTokenRecord,
) -> Result<(), RepositoryError> {
    refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
        token_hash: Set(record.token_hash.as_str().to_owned()),
        session_id: Set(record.session_id.as_uuid()),
        created_at: Set(record.created_at),
        expires_at: Set(record.expires_at),
        rotated_at: Set(None),
    })
    .exec_without_returning(db)
    .await
    .map_err(map_db_err)?;
    Ok(())
}

async fn rotate_in(
    txn: &impl ConnectionTrait,
    presented: &TokenHash,
    replacement: impl FnOnce(SessionId) -> RefreshTokenRecord,
    now: DateTime<Utc>,
) -> Result<RotationOutcome, RepositoryError> {
    // Spending the token first takes the write lock before anything is read, so two
    // concurrent rotations serialise here and exactly one of them sees a row change.
    let spent = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RotatedAt, Expr::value(now))
        .filter(refresh_tokens::Column::TokenHash.eq(presented.as_str()))
        .filter(refresh_tokens::Column::RotatedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await
        .map_err(map_db_err)?
        .rows_affected
        == 1;
    let Some(token) = refresh_tokens::Entity::find_by_id(presented.as_str().to_owned())
        .one(txn)
        .await
        .map_err(map_db_err)?
    else {
        return Ok(RotationOutcome::Unknown);
    };
    let session = sessions::Entity::find_by_id(token.session_id)
        .one(txn)
        .await
        .map_err(map_db_err)?
        .ok_or_else(|| corrupt("refresh_tokens", "token without a session"))?;
    let session_id = SessionId::from_uuid(session.id);
    if session.revoked_at.is_some() {
        return Ok(RotationOutcome::SessionRevoked);
    }
    if !spent {
        if token.rotated_at.is_some() {
            // Revoked meanwhile by someone else (a logout, say): not ours to report.
            if !revoke_session(txn, session.id, now).await? {
                return Ok(RotationOutcome::SessionRevoked);
            }
            return Ok(RotationOutcome::ReuseDetected {
                session_id,
                user_id: UserId::from_uuid(session.user_id),
            });
        }
        return Ok(RotationOutcome::Expired);
    }
    insert_token(txn, &replacement(session_id)).await?;
    Ok(RotationOutcome::Rotated {
        session: session_from_row(session),
    })
}

async fn revoke_session(
    db: &impl ConnectionTrait,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<bool, RepositoryError> {
    let result = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(sessions::Column::Id.eq(id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map_err(map_db_err)?;
    Ok(result.rows_affected > 0)
}
