use crate::database::Database;
use crate::entities::users;
use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::DatabaseHealth;
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};

pub struct SqlDatabaseHealth {
    db: DatabaseConnection,
}

impl SqlDatabaseHealth {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }
}

#[async_trait]
impl DatabaseHealth for SqlDatabaseHealth {
    /// Reaches the server and reads the schema: SQLite answers a bare ping from a file
    /// that has since been deleted or overwritten.
    async fn ping(&self) -> Result<(), BoxError> {
        self.db.ping().await?;
        users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .limit(1)
            .into_tuple::<uuid::Uuid>()
            .one(&self.db)
            .await?;
        Ok(())
    }
}
