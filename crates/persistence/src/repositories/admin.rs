//! Reads across the whole store, for global admins.

use super::users::contains_pattern;
use crate::database::Database;
use crate::entities::{conversations, messages, users};
use crate::error::map_db_err;
use crate::mapping::conversation_from_row;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::Conversation;
use palaver_domain::ports::{AdminDirectory, AllConversationsQuery, StoreTotals};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub struct SqlAdminDirectory {
    db: DatabaseConnection,
}

impl SqlAdminDirectory {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }
}

#[async_trait]
impl AdminDirectory for SqlAdminDirectory {
    async fn all_conversations(
        &self,
        query: &AllConversationsQuery,
    ) -> Result<Vec<Conversation>, RepositoryError> {
        let mut select = conversations::Entity::find();
        if let Some(text) = &query.name_contains {
            let lower_name = Expr::expr(Func::lower(Expr::col(conversations::Column::Name)));
            select = select.filter(lower_name.like(contains_pattern(text)));
        }
        if let Some(after) = query.after {
            select = select.filter(
                Condition::any()
                    .add(conversations::Column::CreatedAt.lt(after.created_at))
                    .add(
                        Condition::all()
                            .add(conversations::Column::CreatedAt.eq(after.created_at))
                            .add(conversations::Column::Id.lt(after.conversation_id.as_uuid())),
                    ),
            );
        }
        select
            .order_by_desc(conversations::Column::CreatedAt)
            .order_by_desc(conversations::Column::Id)
            .limit(query.limit)
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(conversation_from_row)
            .collect()
    }

    async fn totals(&self, since: DateTime<Utc>) -> Result<StoreTotals, RepositoryError> {
        let users = users::Entity::find().count(&self.db);
        let conversations = conversations::Entity::find().count(&self.db);
        let messages = messages::Entity::find().count(&self.db);
        let messages_since = messages::Entity::find()
            .filter(messages::Column::CreatedAt.gte(since))
            .count(&self.db);
        let (users, conversations, messages, messages_since) =
            tokio::try_join!(users, conversations, messages, messages_since).map_err(map_db_err)?;
        Ok(StoreTotals {
            users,
            conversations,
            messages,
            messages_since,
        })
    }
}
