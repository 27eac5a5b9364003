use palaver_domain::error::Message;
use palaver_domain::{RepositoryError, Taken};
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Maps a database error onto the domain's: a lost server or database is `Unavailable`.
/// A unique violation is `Conflict` of an unnamed `Record`: the statement that can break a
/// key the caller must react to says which ([`map_insert_err`]); the database's message
/// text is never read.
pub fn map_db_err(error: DbErr) -> RepositoryError {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = error.sql_err() {
        return RepositoryError::Conflict {
            field: Taken::Record,
        };
    }
    if is_unavailable(&error) {
        return RepositoryError::Unavailable(Box::new(error));
    }
    RepositoryError::unexpected(error)
}

/// For an insert whose only unique key a caller can break is `taken` (the others are ids
/// or seqs the store assigns itself): a unique violation is `Conflict` of `taken`, a
/// broken foreign key `NotFound`. Which kind of violation it is comes from the backend's
/// error code (SQLSTATE 23505/23503, MySQL errno, SQLite extended code).
pub fn map_insert_err(taken: Taken) -> impl Fn(DbErr) -> RepositoryError {
    move |error| match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => RepositoryError::Conflict { field: taken },
        _ => map_write_err(error),
    }
}

/// Whether the error says the database cannot be reached (rather than that a statement
/// failed), by the error's kind and the backend's own codes.
fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            match cause.as_ref() {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(database) => unreachable_by_code(database.as_ref()),
                _ => false,
            }
        }
        _ => false,
    }
}

/// The codes each backend reports for a lost connection or database.
fn unreachable_by_code(error: &dyn sqlx::error::DatabaseError) -> bool {
    if let Some(postgres) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return postgres_unreachable(postgres.code());
    }
    if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return mysql_unreachable(mysql.number());
    }
    if error
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        return error
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(sqlite_unreachable);
    }
    false
}

/// SQLSTATE class 08 (connection exception), 57P01-57P03 (the server shut down or is
/// starting), 3D000 (the database does not exist), 53300 (too many connections), 42P01
/// (a table is missing: every statement is the migrated schema's own, so the database
/// was dropped or replaced under the server).
fn postgres_unreachable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || matches!(
            sqlstate,
            "57P01" | "57P02" | "57P03" | "3D000" | "53300" | "42P01"
        )
}

/// 1040 too many connections, 1049 unknown database, 1053 server shutdown, 1146 no such
/// table (as 42P01 above: MariaDB keeps a dropped database current on open connections),
/// 1927 connection killed, 2002/2003 cannot connect, 2006 server gone away, 2013
/// connection lost.
fn mysql_unreachable(errno: u16) -> bool {
    matches!(
        errno,
        1040 | 1049 | 1053 | 1146 | 1927 | 2002 | 2003 | 2006 | 2013
    )
}

/// SQLITE_IOERR (10) and its extended codes, SQLITE_CANTOPEN (14), SQLITE_NOTADB (26) and
/// SQLITE_READONLY_DBMOVED (1032: the database file was removed or replaced).
fn sqlite_unreachable(extended: i32) -> bool {
    matches!(extended & 0xff, 10 | 14 | 26) || extended == 1032
}

/// Like [`map_db_err`], for writes whose rows refer to others: a broken foreign key means
/// a row they need (a user, a conversation) is gone, which the ports report as `NotFound`.
pub fn map_write_err(error: DbErr) -> RepositoryError {
    if let Some(SqlErr::ForeignKeyConstraintViolation(_)) = error.sql_err() {
        return RepositoryError::NotFound;
    }
    map_db_err(error)
}

/// A stored row that no longer passes the domain's rules.
pub fn corrupt(table: &str, detail: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::unexpected(Message(format!("corrupt row in {table}: {detail}")))
}

/// Ends a transaction explicitly: commit on success, roll back on failure. A transaction
/// that is merely dropped keeps its connection's locks until the pool reuses it.
pub async fn finish<T>(
    txn: sea_orm::DatabaseTransaction,
    result: Result<T, RepositoryError>,
) -> Result<T, RepositoryError> {
    match result {
        Ok(value) => {
            txn.commit().await.map_err(map_db_err)?;
            Ok(value)
        }
        Err(error) => {
            discard(txn).await;
            Err(error)
        }
    }
}

/// Rolls back a transaction whose work is not wanted after all, though nothing failed.
pub async fn discard(txn: sea_orm::DatabaseTransaction) {
    if let Err(rollback) = txn.rollback().await {
        tracing::warn!(%rollback, "rollback failed");
    }
}

#[cfg(test)]
mod tests {
    use super::{mysql_unreachable, postgres_unreachable, sqlite_unreachable};

    #[test]
    fn each_backends_codes_for_a_lost_database_are_unavailable() {
        for code in ["08006", "08001", "57P01", "3D000", "53300"] {
            assert!(postgres_unreachable(code), "{code}");
        }
        for code in ["23505", "42703", "22021", "40001"] {
            assert!(!postgres_unreachable(code), "{code}");
        }
        for errno in [1049, 2006, 2013] {
            assert!(mysql_unreachable(errno), "{errno}");
        }
        for errno in [1062, 1064, 1213] {
            assert!(!mysql_unreachable(errno), "{errno}");
        }
        // IOERR_READ, CANTOPEN, READONLY_DBMOVED; then CONSTRAINT_UNIQUE, ERROR, BUSY.
        for code in [266, 14, 1032] {
            assert!(sqlite_unreachable(code), "{code}");
        }
        for code in [2067, 1, 5] {
            assert!(!sqlite_unreachable(code), "{code}");
        }
    }
}
