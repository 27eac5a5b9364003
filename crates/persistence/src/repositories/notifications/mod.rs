//! The notification pipeline's tables, in plain SQL written once with `?` placeholders
//! (numbered for PostgreSQL): consumers' cursors, pending notifications, Web Push
//! subscriptions, preferences and levels, and the server's generated secrets.

mod cursors;
mod pending;
mod preferences;
mod push;
mod secrets;

use crate::database::Database;
use crate::error::{map_db_err, map_write_err};
use palaver_domain::RepositoryError;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, QueryResult, Statement, Value,
};

/// Implements [`EventCursors`](palaver_domain::ports::EventCursors),
/// [`NotificationStore`](palaver_domain::ports::NotificationStore),
/// [`PushSubscriptionRepository`](palaver_domain::ports::PushSubscriptionRepository),
/// [`PreferenceRepository`](palaver_domain::ports::PreferenceRepository) and
/// [`ServerSecrets`](palaver_domain::ports::ServerSecrets).
#[derive(Clone)]
pub struct SqlNotifications {
    db: DatabaseConnection,
}

impl SqlNotifications {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }

    fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.backend(), numbered(self.backend(), sql), values)
    }

    async fn query(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<QueryResult>, RepositoryError> {
        self.db
            .query_all_raw(self.statement(sql, values))
            .await
            .map_err(map_db_err)
    }

    /// Runs a write; the rows it touched.
    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, RepositoryError> {
        self.db
            .execute_raw(self.statement(sql, values))
            .await
            .map(|done| done.rows_affected())
            .map_err(map_write_err)
    }

    /// `INSERT` that leaves an existing row with the same key alone.
    fn insert_ignoring(&self, table_and_columns: &str, placeholders: &str) -> String {
        match self.backend() {
            DatabaseBackend::MySql => {
                format!("INSERT IGNORE INTO {table_and_columns} VALUES ({placeholders})")
            }
            _ => format!(
                "INSERT INTO {table_and_columns} VALUES ({placeholders}) ON CONFLICT DO NOTHING"
            ),
        }
    }
}

/// PostgreSQL numbers its placeholders; the SQL here never has `?` anywhere else.
fn numbered(backend: DatabaseBackend, sql: &str) -> String {
    if backend != DatabaseBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, RepositoryError> {
    row.try_get::<T>("", column).map_err(map_db_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "UPDATE t SET a = ? WHERE b = ? AND c = ?";
        assert_eq!(
            numbered(DatabaseBackend::Postgres, sql),
            "UPDATE t SET a = $1 WHERE b = $2 AND c = $3"
        );
        assert_eq!(numbered(DatabaseBackend::MySql, sql), sql);
        assert_eq!(numbered(DatabaseBackend::Sqlite, sql), sql);
    }
}
