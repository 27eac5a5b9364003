use crate::credentials::{revoke_sessions_of, set_password_hash};
use crate::entities::users;
use crate::error::{finish, map_db_err};
use crate::mapping::{user_from_row, user_profile_columns, user_to_row};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::auth::SessionId;
use palaver_domain::ports::{UserRepository, UserSearch};
use palaver_domain::user::{EmailAddress, PasswordHash, User, UserId, Username};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

pub struct SqlUserRepository {
    db: DatabaseConnection,
}

impl SqlUserRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
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
fn contains_pattern(text: &str) -> LikeExpr {
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

#[async_trait]
impl UserRepository for SqlUserRepository {
    async fn insert(&self, user: &User) -> Result<(), RepositoryError> {
        users::Entity::insert(user_to_row(user))
            .exec_without_returning(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(())
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

    async fn update_profile(&self, user: &User) -> Result<(), RepositoryError> {
        let result = users::Entity::update_many()
            .set(user_profile_columns(user))
            .filter(users::Column::Id.eq(user.id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        if result.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn change_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionId>, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = match set_password_hash(&txn, id, hash, now).await {
            Ok(()) => revoke_sessions_of(&txn, id, keep, now).await,
            Err(error) => Err(error),
        };
        finish(txn, result).await
    }

    async fn delete(&self, id: UserId) -> Result<(), RepositoryError> {
        let result = users::Entity::delete_many()
            .filter(users::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        if result.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }
}
