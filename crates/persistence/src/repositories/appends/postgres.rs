//! The bulk path's statements on PostgreSQL, where each statement is a round trip to
//! another process: every conversation of the batch bumped (in id order, so that writers
//! on other nodes lock them in the same order) and read back in one `UPDATE ... FROM
//! (VALUES ...) RETURNING`, and the messages and their events written by one statement
//! (the events' `INSERT` with the messages' as a data-modifying `WITH`). With the sender
//! check, the begin and the commit, a batch is five round trips whatever its size.

use crate::entities::{events, messages};
use crate::error::map_db_err;
use crate::event_log::IDS_PER_QUERY;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryTrait, Statement, Value, Values};
use std::collections::HashMap;
use uuid::Uuid;

/// One conversation's share of a batch.
pub struct Bump {
    pub conversation: Uuid,
    /// Messages of the batch in it: its `last_seq` moves on by this much.
    pub count: i64,
    /// The time of its last message.
    pub now: DateTime<Utc>,
    pub last_message: Uuid,
}

/// Bumps every conversation of the batch and returns each one's new `last_seq` and kind.
/// A conversation that is gone is missing from the answer.
pub async fn bump_all(
    txn: &impl ConnectionTrait,
    bumps: &[Bump],
) -> Result<HashMap<Uuid, (i64, String)>, RepositoryError> {
    let mut values: Vec<Value> = Vec::with_capacity(bumps.len() * 4);
    let mut rows = Vec::with_capacity(bumps.len());
    for bump in bumps {
        let n = values.len();
        rows.push(format!(
            "(${}::uuid, ${}::bigint, ${}::timestamptz, ${}::uuid)",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        ));
        values.push(bump.conversation.into());
        values.push(bump.count.into());
        values.push(bump.now.into());
        values.push(bump.last_message.into());
    }
    let sql = format!(
        "WITH v (id, n, at, last_message) AS (VALUES {}), \
         locked AS (SELECT c.id FROM conversations AS c JOIN v ON v.id = c.id \
                    ORDER BY c.id FOR UPDATE OF c) \
         UPDATE conversations AS c \
         SET last_seq = c.last_seq + v.n, updated_at = v.at, last_activity_at = v.at, \
             last_message_id = v.last_message \
         FROM v JOIN locked ON locked.id = v.id \
         WHERE c.id = v.id \
         RETURNING c.id AS id, c.last_seq AS last_seq, c.kind AS kind",
        rows.join(", ")
    );
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    txn.query_all_raw(statement)
        .await
        .map_err(map_db_err)?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Uuid>("", "id")?,
                (row.try_get("", "last_seq")?, row.try_get("", "kind")?),
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(map_db_err)
}

/// Writes the messages and their events in one statement. Each list must fit one
/// statement's parameters: at most [`IDS_PER_QUERY`] rows (a batch is smaller).
pub fn insert_both(
    messages: Vec<messages::ActiveModel>,
    events: Vec<events::ActiveModel>,
) -> Statement {
    debug_assert!(messages.len() <= IDS_PER_QUERY && events.len() <= IDS_PER_QUERY);
    let messages = messages::Entity::insert_many(messages).build(DbBackend::Postgres);
    let events = events::Entity::insert_many(events).build(DbBackend::Postgres);
    let mut values = messages.values.map(|v| v.0).unwrap_or_default();
    let events_sql = shift_placeholders(&events.sql, values.len());
    values.extend(events.values.map(|v| v.0).unwrap_or_default());
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("WITH written AS ({}) {}", messages.sql, events_sql),
        Values(values),
    )
}

/// Renumbers PostgreSQL's `$n` placeholders by `by`, for a statement appended after
/// another's parameters. The statements built here carry every value as a parameter, so
/// a `$` followed by digits is always a placeholder.
fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + sql.len() / 4);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(&(_, d)) = chars.peek()
            && d.is_ascii_digit()
        {
            digits.push(d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_shifted_and_nothing_else_changes() {
        assert_eq!(
            shift_placeholders(
                r#"INSERT INTO "e" ("a", "b") VALUES ($1, $2), ($3, $10)"#,
                7
            ),
            r#"INSERT INTO "e" ("a", "b") VALUES ($8, $9), ($10, $17)"#
        );
        assert_eq!(shift_placeholders("a $ b $x", 3), "a $ b $x");
    }
}
