use palaver_domain::RepositoryError;
use palaver_domain::error::Message;
use sea_orm::{DbErr, SqlErr};

/// Maps a database error onto the domain's; a unique violation becomes `Conflict` naming
/// the taken field.
pub fn map_db_err(error: DbErr) -> RepositoryError {
    if let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() {
        return RepositoryError::Conflict {
            field: conflicting_field(&message),
        };
    }
    RepositoryError::unexpected(error)
}

/// Which field a unique-violation message is about, by the index or column it names:
/// PostgreSQL names the index (`ux_users_email`), SQLite the column (`users.email`), MySQL
/// the index after `for key`, but only after quoting the duplicate value, which may itself
/// contain any text; so only the part after `for key` is read there.
fn conflicting_field(message: &str) -> &'static str {
    let about = message.rsplit("for key").next().unwrap_or(message);
    if about.contains("ux_users_username_key") || about.contains("users.username_key") {
        "username"
    } else if about.contains("ux_users_email") || about.contains("users.email") {
        "email"
    } else if about.contains("ux_messages_sender_client_id") || about.contains("messages.client_id")
    {
        "client_id"
    } else if about.contains("ux_conversations_direct_key")
        || about.contains("conversations.direct_key")
    {
        "direct_key"
    } else {
        "record"
    }
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
    use super::conflicting_field;

    #[test]
    fn each_backends_wording_names_the_right_field() {
        let cases = [
            (
                "duplicate key value violates unique constraint \"ux_users_email\"",
                "email",
            ),
            ("UNIQUE constraint failed: users.username_key", "username"),
            ("UNIQUE constraint failed: users.email", "email"),
            (
                "Duplicate entry 'emailer' for key 'ux_users_username_key'",
                "username",
            ),
            (
                "Duplicate entry 'ux_users_email' for key 'users.ux_users_username_key'",
                "username",
            ),
            (
                "Duplicate entry 'a@b.org' for key 'ux_users_email'",
                "email",
            ),
            ("UNIQUE constraint failed: sessions.id", "record"),
            (
                "duplicate key value violates unique constraint \"ux_messages_sender_client_id\"",
                "client_id",
            ),
            (
                "UNIQUE constraint failed: messages.sender_id, messages.client_id",
                "client_id",
            ),
            (
                "Duplicate entry '\\x01-ux_users_email' for key 'ux_messages_sender_client_id'",
                "client_id",
            ),
            (
                "Duplicate entry 'messages.client_id' for key 'messages.ux_messages_conversation_seq'",
                "record",
            ),
            (
                "Duplicate entry 'a:b' for key 'ux_conversations_direct_key'",
                "direct_key",
            ),
            (
                "UNIQUE constraint failed: conversations.direct_key",
                "direct_key",
            ),
        ];
        for (message, field) in cases {
            assert_eq!(conflicting_field(message), field, "{message}");
        }
    }
}
