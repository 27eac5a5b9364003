use palaver_domain::RepositoryError;
use palaver_domain::error::Message;
use sea_orm::{DbErr, SqlErr};

/// Maps a database error onto the domain's. A unique violation names the taken field by
/// the index it hit (`ux_users_username_key`, `ux_users_email`); the three backends word
/// the message differently but all include the index or column name.
pub fn map_db_err(error: DbErr) -> RepositoryError {
    if let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() {
        let field = if message.contains("email") {
            "email"
        } else if message.contains("username") {
            "username"
        } else {
            "record"
        };
        return RepositoryError::Conflict { field };
    }
    RepositoryError::unexpected(error)
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
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}
