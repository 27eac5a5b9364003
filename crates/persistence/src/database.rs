use crate::error::map_db_err;
use palaver_domain::RepositoryError;
use palaver_migrations::{ConnectSettings, Migrator, MigratorTrait, connect};
use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{DatabaseBackend, DatabaseConnection, SqlxSqliteConnector};
use std::sync::Arc;
use std::time::Duration;

/// A connection pool to Palaver's database, whichever backend its URL names. The one
/// handle the outer crates hold; repositories are built from it.
#[derive(Clone)]
pub struct Database {
    pub(crate) connection: DatabaseConnection,
    /// On a SQLite file, the message writer's connection of its own (see
    /// [`writer_connection`]); elsewhere the writer takes pooled connections.
    pub(crate) writer: Option<DatabaseConnection>,
}

impl Database {
    pub async fn connect(settings: &ConnectSettings) -> Result<Self, RepositoryError> {
        let connection = connect(settings).await.map_err(map_db_err)?;
        let writer = (connection.get_database_backend() == DatabaseBackend::Sqlite
            && !in_memory(&settings.url))
        .then(|| writer_connection(&connection));
        Ok(Self { connection, writer })
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
        let observer = Arc::new(observer);
        let connections = std::iter::once(&mut self.connection).chain(self.writer.as_mut());
        for connection in connections {
            let observer = observer.clone();
            connection.set_metric_callback(move |info| {
                observer(&ExecutedStatement {
                    sql: &info.statement.sql,
                    elapsed: info.elapsed,
                    failed: info.failed,
                })
            });
        }
    }

    /// How many of the pool's connections are idle and in use, and its ceiling, as the
    /// pool sees them right now (with the SQLite writer's connection, if it has one);
    /// `None` for a connection that is not an sqlx pool.
    pub fn pool_usage(&self) -> Option<PoolUsage> {
        let usage = Self::usage_of(&self.connection)?;
        Some(match self.writer.as_ref().and_then(Self::usage_of) {
            Some(writer) => PoolUsage {
                idle: usage.idle + writer.idle,
                in_use: usage.in_use + writer.in_use,
                max: usage.max + writer.max,
            },
            None => usage,
        })
    }

    fn usage_of(connection: &DatabaseConnection) -> Option<PoolUsage> {
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
        match connection.get_database_backend() {
            DatabaseBackend::Postgres => usage!(connection.get_postgres_connection_pool()),
            DatabaseBackend::MySql => usage!(connection.get_mysql_connection_pool()),
            DatabaseBackend::Sqlite => usage!(connection.get_sqlite_connection_pool()),
            #[allow(unreachable_patterns)] // should SeaORM grow a backend
            _ => None,
        }
    }

    /// Closes the pool, waiting for connections in use to come back. The SQLite writer's
    /// connection is closed first, so that the pool's last connection checkpoints the WAL
    /// into the database file and removes it, as SQLite does when its last connection
    /// closes.
    pub async fn close(self) -> Result<(), RepositoryError> {
        if let Some(writer) = self.writer {
            writer.close().await.map_err(map_db_err)?;
        }
        self.connection.close().await.map_err(map_db_err)
    }
}

/// The message writer's connection to the same SQLite database as `db`: a pool of one that
/// keeps its connection (no idle timeout, no maximum lifetime), opened when first used,
/// with the commit-time WAL checkpoint turned off (the writer's checkpoint task does them;
/// see `repositories::appends`). A connection of its own keeps the writer's page cache:
/// SQLite drops a connection's cache whenever another one has written since it last read,
/// so a writer taking whichever pooled connection is idle would read its B-tree pages
/// again for nearly every batch; with its own, only after the other connections' (rarer)
/// writes.
fn writer_connection(db: &DatabaseConnection) -> DatabaseConnection {
    let pool = db.get_sqlite_connection_pool();
    let options = (*pool.connect_options())
        .clone()
        .pragma("wal_autocheckpoint", "0");
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(pool.options().get_acquire_timeout())
        .connect_lazy_with(options);
    SqlxSqliteConnector::from_sqlx_sqlite_pool(writer)
}

/// Whether a SQLite URL names an in-memory database: a second pool on one of those would
/// be a database of its own (or share a cache with table-level locks), so the writer then
/// takes pooled connections as on the other backends.
fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
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

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_migrations::testing::TestDatabase;
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn pragma(db: &DatabaseConnection, name: &str) -> String {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0)
            .map(|value| value.to_string())
            .or_else(|_| row.try_get_by_index::<String>(0))
            .unwrap()
    }

    #[tokio::test]
    async fn a_sqlite_files_writer_has_its_own_connection_with_the_pools_settings() {
        // A fresh SQLite file whatever PALAVER_TEST_DATABASE_URL says.
        let test_database = TestDatabase::create_sqlite().await;
        let mut database = Database::connect(&ConnectSettings {
            url: test_database.url().to_owned(),
            max_connections: 2,
            min_connections: 1,
            connect_timeout: Duration::from_secs(10),
        })
        .await
        .unwrap();
        let checkpoint_settings_read = Arc::new(AtomicUsize::new(0));
        let counted = checkpoint_settings_read.clone();
        database.observe_statements(move |statement| {
            if statement.sql == "PRAGMA wal_autocheckpoint" {
                counted.fetch_add(1, Ordering::Relaxed);
            }
        });
        let (pool, writer) = (&database.connection, database.writer.as_ref().unwrap());
        assert_eq!(pragma(writer, "wal_autocheckpoint").await, "0");
        assert_eq!(pragma(pool, "wal_autocheckpoint").await, "1000");
        for setting in [
            "journal_mode",
            "synchronous",
            "foreign_keys",
            "busy_timeout",
        ] {
            assert_eq!(
                pragma(writer, setting).await,
                pragma(pool, setting).await,
                "{setting}"
            );
        }
        // The same database: what one creates, the other writes.
        writer
            .execute_unprepared("CREATE TABLE written_by_the_writer (x INTEGER)")
            .await
            .unwrap();
        pool.execute_unprepared("INSERT INTO written_by_the_writer VALUES (1)")
            .await
            .unwrap();
        // Both are observed (each read its setting once) and counted in the pool's usage.
        assert_eq!(checkpoint_settings_read.load(Ordering::Relaxed), 2);
        let usage = database.pool_usage().unwrap();
        assert_eq!(usage.max, 3);
        // The writer's one, and the pool's one or two (it may open a second meanwhile).
        assert!((2..=3).contains(&(usage.idle + usage.in_use)), "{usage:?}");
        // Closing leaves a checkpointed database: the WAL is gone.
        database.close().await.unwrap();
        let file = test_database.url().trim_start_matches("sqlite://");
        let file = file.split('?').next().unwrap();
        assert!(std::path::Path::new(file).exists());
        assert!(!std::path::Path::new(&format!("{file}-wal")).exists());
    }

    #[test]
    fn in_memory_urls_are_told_apart_from_files() {
        assert!(in_memory("sqlite::memory:"));
        assert!(in_memory("sqlite://db?mode=memory&cache=shared"));
        assert!(!in_memory("sqlite://data/palaver.db?mode=rwc"));
    }
}
