use crate::credentials::{revoke_sessions_of, set_password_hash, spend_reset_tokens_of};
use crate::database::Database;
use crate::entities::{conversation_members, users};
use crate::error::{finish, map_db_err};
use crate::mapping::{text, user_from_row, user_to_row};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::auth::SessionId;
use palaver_domain::ports::{UserRepository, UserSearch};
use palaver_domain::user::{EmailAddress, PasswordHash, User, UserId, UserPatch, Username};
use palaver_domain::{RepositoryError, Taken};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

pub struct SqlUserRepository {
    db: DatabaseConnection,
}

impl SqlUserRepository {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }

    async fn find_one(
        &self,
        filter: impl sea_orm::sea_query::IntoCondition,
    ) -> Result<Option<User>, RepositoryError> {
        users::Entity::find()
            .filter(filter)
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .map(user_from_row)
            .transpose()
    }
}

/// `%text%` with the LIKE wildcards in `text` escaped, lower-cased.
pub(super) fn contains_pattern(text: &str) -> LikeExpr {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    LikeExpr::new(escaped).escape('\\')
}

impl SqlUserRepository {
    /// Which of a username and an email another account holds, after a write broke one
    /// of their unique keys: asked of the table, not read from the error's text.
    async fn taken(
        &self,
        username: Option<&Username>,
        email: Option<&EmailAddress>,
    ) -> Result<Taken, RepositoryError> {
        if let Some(username) = username {
            let holder = users::Entity::find()
                .filter(users::Column::UsernameKey.eq(username.canonical()))
                .one(&self.db)
                .await
                .map_err(map_db_err)?;
            if holder.is_some() {
                return Ok(Taken::Username);
            }
        }
        if let Some(email) = email {
            let holder = users::Entity::find()
                .filter(users::Column::Email.eq(email.as_str()))
                .one(&self.db)
                .await
                .map_err(map_db_err)?;
            if holder.is_some() {
                return Ok(Taken::Email);
            }
        }
        // The holder was deleted since; the caller may simply retry.
        Ok(Taken::Record)
    }
}

#[async_trait]
impl UserRepository for SqlUserRepository {
    async fn insert(&self, user: &User) -> Result<(), RepositoryError> {
        let inserted = users::Entity::insert(user_to_row(user))
            .exec_without_returning(&self.db)
            .await
            .map_err(map_db_err);
        match inserted {
            Ok(_) => Ok(()),
            Err(RepositoryError::Conflict { .. }) => Err(RepositoryError::Conflict {
                field: self
                    .taken(Some(&user.username), user.email.as_ref())
                    .await?,
            }),
            Err(other) => Err(other),
        }
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        self.find_one(users::Column::Id.eq(id.as_uuid())).await
    }

    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, RepositoryError> {
        self.find_one(users::Column::UsernameKey.eq(username.canonical()))
            .await
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>, RepositoryError> {
        self.find_one(users::Column::Email.eq(email.as_str())).await
    }

    async fn search(&self, search: &UserSearch) -> Result<Vec<User>, RepositoryError> {
        let mut query = users::Entity::find();
        if let Some(text) = &search.text {
            let lower = |column: users::Column| Expr::expr(Func::lower(Expr::col(column)));
            query = query.filter(
                Condition::any()
                    .add(Expr::col(users::Column::UsernameKey).like(contains_pattern(text)))
                    .add(lower(users::Column::FirstName).like(contains_pattern(text)))
                    .add(lower(users::Column::LastName).like(contains_pattern(text))),
            );
        }
        if let Some(after) = &search.after_username {
            query = query.filter(users::Column::UsernameKey.gt(after.as_str()));
        }
        query
            .order_by_asc(users::Column::UsernameKey)
            .limit(search.limit)
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(user_from_row)
            .collect()
    }

    async fn find_many(&self, ids: &[UserId]) -> Result<Vec<User>, RepositoryError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        users::Entity::find()
            .filter(users::Column::Id.is_in(ids.iter().map(UserId::as_uuid)))
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(user_from_row)
            .collect()
    }

    async fn apply_patch(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<User, RepositoryError> {
        if patch.is_empty() {
            return self.find_by_id(id).await?.ok_or(RepositoryError::NotFound);
        }
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = patch_in(&txn, id, patch, now).await;
        match finish(txn, result).await {
            // Asked after the rollback: PostgreSQL answers nothing more in a failed
            // transaction.
            Err(RepositoryError::Conflict { .. }) => Err(RepositoryError::Conflict {
                field: self
                    .taken(
                        patch.username.as_ref(),
                        patch.email.as_ref().and_then(Option::as_ref),
                    )
                    .await?,
            }),
            other => other,
        }
    }

    async fn change_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionId>, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = change_password_in(&txn, id, hash, keep, now).await;
        finish(txn, result).await
    }

    async fn record_last_seen(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        // Not a profile change: `updated_at` stays. No row changed means the user is gone,
        // or a later sighting (another node's, say) is already stored: it never goes back.
        users::Entity::update_many()
            .col_expr(users::Column::LastSeenAt, Expr::value(at))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .filter(
                Condition::any()
                    .add(users::Column::LastSeenAt.is_null())
                    .add(users::Column::LastSeenAt.lt(at)),
            )
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(())
    }

    async fn delete(&self, id: UserId) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = delete_in(&txn, id).await;
        finish(txn, result).await
    }
}

/// Locks the user's row, then deletes it unless they still belong to a conversation. The
/// lock makes a concurrent insert of a membership wait at its foreign-key check (or us
/// wait for it, and then see its row), so no membership vanishes by cascade unannounced.
async fn delete_in(txn: &impl ConnectionTrait, id: UserId) -> Result<(), RepositoryError> {
    let found = match txn.get_database_backend() {
        // The foreign-key check takes FOR KEY SHARE, which an UPDATE of other columns
        // (FOR NO KEY UPDATE) does not block; FOR UPDATE does.
        DbBackend::Postgres => users::Entity::find_by_id(id.as_uuid())
            .select_only()
            .column(users::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .one(txn)
            .await
            .map_err(map_db_err)?
            .is_some(),
        // SQLite takes its write lock; MySQL an exclusive row lock, which the foreign-key
        // check's shared lock waits for.
        _ => {
            users::Entity::update_many()
                .col_expr(
                    users::Column::UpdatedAt,
                    Expr::col(users::Column::UpdatedAt),
                )
                .filter(users::Column::Id.eq(id.as_uuid()))
                .exec(txn)
                .await
                .map_err(map_db_err)?
                .rows_affected
                > 0
        }
    };
    if !found {
        return Err(RepositoryError::NotFound);
    }
    let member_somewhere = conversation_members::Entity::find()
        .select_only()
        .column(conversation_members::Column::ConversationId)
        .filter(conversation_members::Column::UserId.eq(id.as_uuid()))
        .into_tuple::<Uuid>()
        .one(txn)
        .await
        .map_err(map_db_err)?
        .is_some();
    if member_somewhere {
        return Err(RepositoryError::Conflict {
            field: Taken::Memberships,
        });
    }
    users::Entity::delete_by_id(id.as_uuid())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

async fn change_password_in(
    txn: &impl ConnectionTrait,
    id: UserId,
    hash: &PasswordHash,
    keep: Option<SessionId>,
    now: DateTime<Utc>,
) -> Result<Vec<SessionId>, RepositoryError> {
    set_password_hash(txn, id, hash, now).await?;
    spend_reset_tokens_of(txn, id, now).await?;
    revoke_sessions_of(txn, id, keep, now).await
}

/// One UPDATE naming only the patched columns, then the row as it now stands.
async fn patch_in(
    txn: &impl ConnectionTrait,
    id: UserId,
    patch: &UserPatch,
    now: DateTime<Utc>,
) -> Result<User, RepositoryError> {
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id.as_uuid()));
    if let Some(username) = &patch.username {
        update = update
            .col_expr(users::Column::Username, Expr::value(username.as_str()))
            .col_expr(
                users::Column::UsernameKey,
                Expr::value(username.canonical()),
            );
    }
    let nullable = [
        (users::Column::Email, patch.email.as_ref().map(text)),
        (users::Column::Phone, patch.phone.as_ref().map(text)),
        (
            users::Column::FirstName,
            patch.first_name.as_ref().map(text),
        ),
        (users::Column::LastName, patch.last_name.as_ref().map(text)),
        (
            users::Column::AvatarUrl,
            patch.avatar_url.as_ref().map(text),
        ),
    ];
    for (column, value) in nullable {
        if let Some(value) = value {
            update = update.col_expr(column, Expr::value(value));
        }
    }
    if let Some(role) = patch.role {
        update = update.col_expr(users::Column::Role, Expr::value(role.as_str()));
    }
    if update.exec(txn).await.map_err(map_db_err)?.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    if patch.changes_email() {
        spend_reset_tokens_of(txn, id, now).await?;
    }
    users::Entity::find_by_id(id.as_uuid())
        .one(txn)
        .await
        .map_err(map_db_err)?
        .map(user_from_row)
        .transpose()?
        .ok_or(RepositoryError::NotFound)
}
