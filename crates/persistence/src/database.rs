use crate::error::map_db_err;
use palaver_domain::RepositoryError;
use palaver_migrations::{ConnectSettings, Migrator, MigratorTrait, connect};
use sea_orm::DatabaseConnection;

/// A connection pool to Palaver's database, whichever backend its URL names. The one
/// handle the outer crates hold; repositories are built from it.
#[derive(Clone)]
pub struct Database {
    pub(crate) connection: DatabaseConnection,
}

impl Database {
    pub async fn connect(settings: &ConnectSettings) -> Result<Self, RepositoryError> {
        Ok(Self {
            connection: connect(settings).await.map_err(map_db_err)?,
        })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), RepositoryError> {
        Migrator::up(&self.connection, None)
            .await
            .map_err(map_db_err)
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(self) -> Result<(), RepositoryError> {
        self.connection.close().await.map_err(map_db_err)
    }
}
