use crate::error::map_db_err;
use palaver_domain::RepositoryError;
use palaver_migrations::{ConnectSettings, Migrator, MigratorTrait, connect};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::time::Duration;

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

    /// Calls `observer` after every statement run through this handle, including inside
    /// transactions: for metrics, or for counting queries in tests. It applies to the
    /// repositories built from this handle afterwards (and its clones made afterwards), and
    /// replaces any observer set before. It runs on the query's path, so it must be quick.
    pub fn observe_statements<F>(&mut self, observer: F)
    where
        F: Fn(&ExecutedStatement<'_>) + Send + Sync + 'static,
    {
        self.connection.set_metric_callback(move |info| {
            observer(&ExecutedStatement {
                sql: &info.statement.sql,
                elapsed: info.elapsed,
                failed: info.failed,
            })
        });
    }

    /// How many of the pool's connections are idle and in use, and its ceiling, as the
    /// pool sees them right now; `None` for a connection that is not an sqlx pool.
    pub fn pool_usage(&self) -> Option<PoolUsage> {
        macro_rules! usage {
            ($pool:expr) => {{
                let pool = $pool;
                let open = pool.size();
                let idle = u32::try_from(pool.num_idle()).unwrap_or(open);
                Some(PoolUsage {
                    idle,
                    in_use: open.saturating_sub(idle),
                    max: pool.options().get_max_connections(),
                })
            }};
        }
        match self.connection.get_database_backend() {
            DatabaseBackend::Postgres => usage!(self.connection.get_postgres_connection_pool()),
            DatabaseBackend::MySql => usage!(self.connection.get_mysql_connection_pool()),
            DatabaseBackend::Sqlite => usage!(self.connection.get_sqlite_connection_pool()),
            #[allow(unreachable_patterns)] // should SeaORM grow a backend
            _ => None,
        }
    }

    /// Closes the pool, waiting for connections in use to come back.
    pub async fn close(self) -> Result<(), RepositoryError> {
        self.connection.close().await.map_err(map_db_err)
    }
}

/// One statement the database has run, as [`Database::observe_statements`] reports it.
#[derive(Debug, Clone, Copy)]
pub struct ExecutedStatement<'a> {
    /// The SQL, with placeholders rather than values.
    pub sql: &'a str,
    pub elapsed: Duration,
    /// Whether the database answered with an error.
    pub failed: bool,
}

/// A snapshot of the connection pool, as [`Database::pool_usage`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub idle: u32,
    pub in_use: u32,
    pub max: u32,
}
