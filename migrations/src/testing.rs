//! A fresh, fully migrated database for one test, so tests run in parallel and never see
//! each other's rows. SQLite by default (a file in its own temp directory); with
//! `PALAVER_TEST_DATABASE_URL=postgres://...` or `mysql://...`, a new database on that
//! server, dropped again when the test ends.

use crate::{ConnectSettings, Migrator, MigratorTrait, connect};
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use std::path::PathBuf;
use std::time::Duration;

pub const DATABASE_URL_VARIABLE: &str = "PALAVER_TEST_DATABASE_URL";

pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    Server { admin_url: String, name: String },
}

impl TestDatabase {
    /// Creates and migrates a database. Panics (it is test set-up) when the configured
    /// server cannot be reached: a test that needs PostgreSQL must never silently skip.
    pub async fn create() -> Self {
        let database = match std::env::var(DATABASE_URL_VARIABLE) {
            Ok(admin_url) if !admin_url.trim().is_empty() => Self::on_server(admin_url).await,
            _ => Self::sqlite_file(),
        };
        database.migrated().await
    }

    /// A migrated SQLite file whatever `PALAVER_TEST_DATABASE_URL` says, for tests of
    /// what only SQLite does.
    pub async fn create_sqlite() -> Self {
        Self::sqlite_file().migrated().await
    }

    async fn migrated(self) -> Self {
        let db = self.connect(2).await;
        Migrator::up(&db, None)
            .await
            .unwrap_or_else(|e| panic!("migrating the test database: {e}"));
        db.close_by_ref().await.ok();
        self
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend_name(&self) -> &'static str {
        backend_of(&self.url)
    }

    /// A pool on the test database.
    pub async fn connect(&self, max_connections: u32) -> DatabaseConnection {
        connect(&ConnectSettings {
            url: self.url.clone(),
            max_connections,
            min_connections: 1,
            connect_timeout: Duration::from_secs(10),
        })
        .await
        .unwrap_or_else(|e| panic!("connecting to the test database: {e}"))
    }

    fn sqlite_file() -> Self {
        let dir =
            std::env::temp_dir().join(format!("palaver-test-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", dir.join("palaver.db").display());
        Self {
            url,
            cleanup: Cleanup::Directory(dir),
        }
    }

    async fn on_server(admin_url: String) -> Self {
        let name = format!("palaver_t_{}", uuid::Uuid::new_v4().simple());
        let admin = connect(&ConnectSettings {
            url: admin_url.clone(),
            max_connections: 1,
            min_connections: 1,
            connect_timeout: Duration::from_secs(10),
        })
        .await
        .unwrap_or_else(|e| panic!("{DATABASE_URL_VARIABLE} is set but unreachable: {e}"));
        let create = match backend_of(&admin_url) {
            "mysql" => format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            _ => format!("CREATE DATABASE \"{name}\""),
        };
        admin
            .execute_unprepared(&create)
            .await
            .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
        admin.close().await.ok();
        Self {
            url: with_database_name(&admin_url, &name),
            cleanup: Cleanup::Server { admin_url, name },
        }
    }
}

impl TestDatabase {
    /// Removes the database while whoever uses it keeps running: the SQLite file's
    /// directory is deleted, the server's database dropped (its connections ended).
    pub fn remove_now(&self) {
        if let Cleanup::Directory(dir) = &self.cleanup {
            // Connections already open keep reading and writing a deleted file; what is
            // left in its place is no database.
            let file = dir.join("palaver.db");
            let garbage = vec![0xA5_u8; 64 * 1024];
            std::fs::write(&file, &garbage).ok();
            for sidecar in ["palaver.db-wal", "palaver.db-shm"] {
                std::fs::write(dir.join(sidecar), &garbage).ok();
            }
            return;
        }
        self.remove();
    }

    fn remove(&self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                std::fs::remove_dir_all(dir).ok();
            }
            Cleanup::Server { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, which cannot be blocked on; a
                // separate thread with its own runtime does the clean-up.
                let dropped =
                    std::thread::spawn(move || drop_server_database(&admin_url, &name)).join();
                if let Ok(Err(error)) = dropped {
                    eprintln!("dropping the test database failed: {error}");
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        self.remove();
    }
}

fn drop_server_database(admin_url: &str, name: &str) -> Result<(), DbErr> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    runtime.block_on(async {
        let admin = connect(&ConnectSettings {
            url: admin_url.to_owned(),
            max_connections: 1,
            min_connections: 1,
            connect_timeout: Duration::from_secs(10),
        })
        .await?;
        if backend_of(admin_url) == "mysql" {
            end_mysql_connections_to(&admin, name).await?;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`"))
                .await?;
        } else {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await?;
        }
        admin.close().await
    })
}

/// MySQL has no `DROP DATABASE ... WITH (FORCE)`: a connection of the test's server that
/// is inside a transaction holds metadata locks, and DROP waits for them (for a year, by
/// default). The test's runtime is blocked in `Drop` meanwhile, so that transaction would
/// never end: the connections are killed first, and the wait is bounded all the same.
async fn end_mysql_connections_to(
    admin: &sea_orm_migration::sea_orm::DatabaseConnection,
    name: &str,
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{DbBackend, Statement};
    admin
        .execute_unprepared("SET SESSION lock_wait_timeout = 60")
        .await?;
    let connections = admin
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST \
             WHERE DB = ? AND ID <> CONNECTION_ID()",
            [name.into()],
        ))
        .await?;
    for connection in connections {
        let id: i64 = connection.try_get_by_index(0)?;
        // A connection that ended on its own in the meantime is not an error.
        admin
            .execute_unprepared(&format!("KILL CONNECTION {id}"))
            .await
            .ok();
    }
    Ok(())
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgres"
    } else if url.starts_with("mysql") || url.starts_with("mariadb") {
        "mysql"
    } else {
        "sqlite"
    }
}

/// The same server URL with another database name in its path.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn swaps_only_the_database_name() {
        assert_eq!(
            with_database_name("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database_name("mysql://root@127.0.0.1:3306/test?ssl-mode=disabled", "x"),
            "mysql://root@127.0.0.1:3306/x?ssl-mode=disabled"
        );
        assert_eq!(with_database_name("postgres://h", "x"), "postgres://h/x");
    }
}
