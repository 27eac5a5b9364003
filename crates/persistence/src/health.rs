use crate::database::Database;
use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::DatabaseHealth;
use sea_orm::DatabaseConnection;

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
    async fn ping(&self) -> Result<(), BoxError> {
        Ok(self.db.ping().await?)
    }
}
