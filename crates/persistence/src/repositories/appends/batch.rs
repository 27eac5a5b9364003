//! Writing one batch of appends: in bulk when every item goes through as planned, else item
//! by item in savepoints, with the very steps of a lone append.

use super::Appended;
use super::checkpoint::Dirty;
use super::postgres;
use super::threads::{load_roots, resolve_root};
use crate::entities::{conversation_members as members, conversations, messages};
use crate::error::{corrupt, discard, map_db_err, map_insert_err};
use crate::event_log::{IDS_PER_QUERY, log_event, log_events, next_seq};
use crate::mapping::{event_to_row, message_from_new, message_to_row};
use crate::repositories::mentions::insert_mentions;
use chrono::{DateTime, Utc};
use palaver_domain::conversation::{
    ConversationEvent, ConversationId, ConversationKind, EventPayload, MemberRole, NewMessage,
};
use palaver_domain::error::Message;
use palaver_domain::user::UserId;
use palaver_domain::{RepositoryError, Taken};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// One append of a batch: the message and the time it is stamped with.
pub type Request<'a> = (&'a NewMessage, DateTime<Utc>);

/// Writes the batch and answers each request, in order. With `checkpoints` (SQLite), the
/// log is marked grown for the checkpointing task.
pub async fn write_batch(
    db: &DatabaseConnection,
    requests: &[Request<'_>],
    checkpoints: Option<&Dirty>,
) -> Vec<Appended> {
    if requests.is_empty() {
        return Vec::new();
    }
    let results = write(db, requests).await;
    if let Some(checkpoints) = checkpoints {
        checkpoints.mark();
    }
    results
}

async fn write(db: &DatabaseConnection, requests: &[Request<'_>]) -> Vec<Appended> {
    // The same client id twice: the later ones are conflicts, which only the item-by-item
    // path reports.
    if !repeats_a_client_id(requests) {
        match in_bulk(db, requests).await {
            Bulk::Done(results) => return results,
            Bulk::Retry(reason) => {
                tracing::debug!(%reason, items = requests.len(), "writing a batch item by item");
            }
        }
    }
    one_by_one(db, requests).await
}

fn repeats_a_client_id(requests: &[Request<'_>]) -> bool {
    let mut seen = HashSet::with_capacity(requests.len());
    requests.iter().any(|(message, _)| {
        message
            .client_id
            .as_ref()
            .is_some_and(|client_id| !seen.insert((message.sender_id, client_id.as_str())))
    })
}

enum Bulk {
    /// Written (or failed at commit, which fails every item).
    Done(Vec<Appended>),
    /// Something did not go as planned; nothing was written.
    Retry(RepositoryError),
}

async fn in_bulk(db: &DatabaseConnection, requests: &[Request<'_>]) -> Bulk {
    let txn = match db.begin().await {
        Ok(txn) => txn,
        Err(error) => return Bulk::Done(fail_all(requests.len(), map_db_err(error))),
    };
    match bulk_in(&txn, requests).await {
        Ok(events) => Bulk::Done(match txn.commit().await {
            Ok(()) => events.into_iter().map(Ok).collect(),
            Err(error) => fail_all(requests.len(), map_db_err(error)),
        }),
        Err(reason) => {
            discard(txn).await;
            Bulk::Retry(reason)
        }
    }
}

/// The batch in a few statements: the conversations bumped (in id order, so that writers on
/// other nodes take the locks in the same order), taking their locks and their next seqs,
/// and read back; then one read of the senders' memberships, under those locks; then every
/// message and every event, many to an INSERT. On PostgreSQL the bump is one statement and
/// the two INSERTs another (see `postgres`). An error if any item would fail on its own;
/// the caller then rolls back.
async fn bulk_in(
    txn: &impl ConnectionTrait,
    requests: &[Request<'_>],
) -> Result<Vec<ConversationEvent>, RepositoryError> {
    let mut groups: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (index, (message, _)) in requests.iter().enumerate() {
        groups
            .entry(message.conversation_id.as_uuid())
            .or_default()
            .push(index);
    }
    let heads = if txn.get_database_backend() == DbBackend::Postgres {
        let bumps: Vec<postgres::Bump> = groups
            .iter()
            .filter_map(|(conversation, indices)| {
                let &last = indices.last()?;
                let (last_message, now) = requests[last];
                Some(postgres::Bump {
                    conversation: *conversation,
                    count: i64::try_from(indices.len()).unwrap_or(i64::MAX),
                    now,
                    last_message: last_message.id.as_uuid(),
                })
            })
            .collect();
        postgres::bump_all(txn, &bumps).await?
    } else {
        bump_one_by_one(txn, requests, &groups).await?
    };
    if heads.len() != groups.len() {
        return Err(RepositoryError::NotFound);
    }
    let ids: Vec<Uuid> = groups.keys().copied().collect();
    let senders: HashSet<Uuid> = requests
        .iter()
        .map(|(message, _)| message.sender_id.as_uuid())
        .collect();
    let roles: HashMap<(Uuid, Uuid), String> = members::Entity::find()
        .select_only()
        .column(members::Column::ConversationId)
        .column(members::Column::UserId)
        .column(members::Column::Role)
        .filter(members::Column::ConversationId.is_in(ids.iter().copied()))
        .filter(members::Column::UserId.is_in(senders.iter().copied()))
        .into_tuple::<(Uuid, Uuid, String)>()
        .all(txn)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(|(conversation, user, role)| ((conversation, user), role))
        .collect();

    let roots = load_roots(txn, requests.iter().map(|(message, _)| *message)).await?;

    let mut events: Vec<Option<ConversationEvent>> = requests.iter().map(|_| None).collect();
    for (conversation, indices) in &groups {
        let (last_seq, kind) = heads.get(conversation).ok_or(RepositoryError::NotFound)?;
        let kind = ConversationKind::parse(kind).map_err(|e| corrupt("conversations", e))?;
        let count = i64::try_from(indices.len()).unwrap_or(i64::MAX);
        for (offset, &index) in (0..).zip(indices) {
            let (message, now) = requests[index];
            let role = roles
                .get(&(*conversation, message.sender_id.as_uuid()))
                .ok_or(RepositoryError::NotFound)?;
            check_may_post(kind, role)?;
            let seq = last_seq - count + 1 + offset;
            let mut stored = message_from_new(message, seq, now);
            stored.thread_root_id = resolve_root(message, &roots)?;
            events[index] = Some(ConversationEvent {
                conversation_id: message.conversation_id,
                seq,
                created_at: now,
                payload: EventPayload::MessageCreated { message: stored },
            });
        }
    }
    let events: Vec<ConversationEvent> = events.into_iter().flatten().collect();
    if events.len() != requests.len() {
        return Err(RepositoryError::unexpected(Message(
            "a batch item got no event".into(),
        )));
    }

    let rows: Vec<messages::ActiveModel> = events
        .iter()
        .filter_map(|event| match &event.payload {
            EventPayload::MessageCreated { message } => Some(message_to_row(message)),
            _ => None,
        })
        .collect();
    let events_logged =
        txn.get_database_backend() == DbBackend::Postgres && rows.len() <= IDS_PER_QUERY;
    if events_logged {
        let statement = postgres::insert_both(rows, events.iter().map(event_to_row).collect());
        txn.execute_raw(statement)
            .await
            .map_err(map_insert_err(Taken::ClientId))?;
    } else {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<messages::ActiveModel> = rows.by_ref().take(IDS_PER_QUERY).collect();
            messages::Entity::insert_many(chunk)
                .exec_without_returning(txn)
                .await
                .map_err(map_insert_err(Taken::ClientId))?;
        }
    }
    // The attachments point at their messages, so they are linked once those exist.
    for (message, _) in requests {
        super::attachments::link_attachments(txn, message).await?;
    }
    insert_mentions(
        txn,
        requests
            .iter()
            .map(|(message, _)| (message.id, message.mentions.as_slice())),
    )
    .await?;
    if !events_logged {
        log_events(txn, &events).await?;
    }
    Ok(events)
}

/// Each conversation of the batch bumped by its own `UPDATE` (in id order), then all of them
/// read back: cheap where the database is in process (SQLite), and MySQL has no `UPDATE
/// ... RETURNING`. Returns each conversation's new `last_seq` and kind.
async fn bump_one_by_one(
    txn: &impl ConnectionTrait,
    requests: &[Request<'_>],
    groups: &BTreeMap<Uuid, Vec<usize>>,
) -> Result<HashMap<Uuid, (i64, String)>, RepositoryError> {
    for (conversation, indices) in groups {
        let Some(&last) = indices.last() else {
            continue;
        };
        let (last_message, now) = requests[last];
        let count = i64::try_from(indices.len()).unwrap_or(i64::MAX);
        let bumped = conversations::Entity::update_many()
            .col_expr(
                conversations::Column::LastSeq,
                Expr::col(conversations::Column::LastSeq).add(count),
            )
            .col_expr(conversations::Column::UpdatedAt, Expr::value(now))
            .col_expr(conversations::Column::LastActivityAt, Expr::value(now))
            .col_expr(
                conversations::Column::LastMessageId,
                Expr::value(last_message.id.as_uuid()),
            )
            .filter(conversations::Column::Id.eq(*conversation))
            .exec(txn)
            .await
            .map_err(map_db_err)?;
        if bumped.rows_affected == 0 {
            return Err(RepositoryError::NotFound);
        }
    }
    Ok(conversations::Entity::find()
        .select_only()
        .column(conversations::Column::Id)
        .column(conversations::Column::LastSeq)
        .column(conversations::Column::Kind)
        .filter(conversations::Column::Id.is_in(groups.keys().copied()))
        .into_tuple::<(Uuid, i64, String)>()
        .all(txn)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(|(id, last_seq, kind)| (id, (last_seq, kind)))
        .collect())
}

/// Each request in a savepoint of its own, in one transaction: an item that fails, for any
/// reason (not a member, a taken client id, a value the database refuses, any statement
/// error tied to that row), is rolled back alone and answered with its own error; the rest
/// commit. Only a failure of the transaction itself (beginning it or a savepoint, rolling
/// a savepoint back, the commit) fails every item.
async fn one_by_one(db: &DatabaseConnection, requests: &[Request<'_>]) -> Vec<Appended> {
    let txn = match db.begin().await {
        Ok(txn) => txn,
        Err(error) => return fail_all(requests.len(), map_db_err(error)),
    };
    let mut results = Vec::with_capacity(requests.len());
    for &(message, now) in requests {
        let item = match txn.begin().await {
            Ok(item) => item,
            Err(error) => {
                discard(txn).await;
                return fail_all(requests.len(), map_db_err(error));
            }
        };
        let ended = match append_in(&item, message, now).await {
            Ok(event) => item.commit().await.map(|()| Ok(event)),
            Err(error) => {
                if matches!(error, RepositoryError::Unexpected(_)) {
                    tracing::warn!(%error, "one message of a batch failed; the others go on");
                }
                item.rollback().await.map(|()| Err(error))
            }
        };
        match ended {
            Ok(result) => results.push(result),
            Err(error) => {
                discard(txn).await;
                return fail_all(requests.len(), map_db_err(error));
            }
        }
    }
    match txn.commit().await {
        Ok(()) => results,
        Err(error) => fail_all(requests.len(), map_db_err(error)),
    }
}

/// `count` copies of one failure.
fn fail_all(count: usize, error: RepositoryError) -> Vec<Appended> {
    let copy = |error: &RepositoryError| match error {
        RepositoryError::Conflict { field } => RepositoryError::Conflict { field: *field },
        RepositoryError::NotFound => RepositoryError::NotFound,
        RepositoryError::Forbidden(reason) => RepositoryError::Forbidden(reason),
        RepositoryError::Invalid(invalid) => RepositoryError::Invalid(invalid.clone()),
        RepositoryError::Unavailable(cause) => {
            RepositoryError::Unavailable(Box::new(Message(cause.to_string())))
        }
        RepositoryError::Unexpected(cause) => {
            RepositoryError::unexpected(Message(cause.to_string()))
        }
    };
    let mut results: Vec<Appended> = (1..count).map(|_| Err(copy(&error))).collect();
    if count > 0 {
        results.push(Err(error));
    }
    results
}

/// A lone append, inside the caller's transaction: the conversation's next seq (taking its
/// lock), the sender's right to post checked under that lock, the message, the
/// conversation's last message, and the event.
pub(crate) async fn append_in(
    txn: &impl ConnectionTrait,
    message: &NewMessage,
    now: DateTime<Utc>,
) -> Result<ConversationEvent, RepositoryError> {
    let conversation = message.conversation_id;
    let seq = next_seq(txn, conversation, now).await?;
    may_post(txn, conversation, message.sender_id).await?;
    let roots = load_roots(txn, [message]).await?;
    let mut stored = message_from_new(message, seq, now);
    stored.thread_root_id = resolve_root(message, &roots)?;
    messages::Entity::insert(message_to_row(&stored))
        .exec_without_returning(txn)
        .await
        .map_err(map_insert_err(Taken::ClientId))?;
    super::attachments::link_attachments(txn, message).await?;
    insert_mentions(txn, [(stored.id, message.mentions.as_slice())]).await?;
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastMessageId,
            Expr::value(stored.id.as_uuid()),
        )
        .filter(conversations::Column::Id.eq(conversation.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    log_event(
        txn,
        conversation,
        seq,
        now,
        EventPayload::MessageCreated { message: stored },
    )
    .await
}

/// Whether the sender may still post, checked under the conversation's lock so that a
/// removal or demotion committed since the caller looked is seen: `NotFound` if they are
/// no longer a member, `Forbidden` if it is a channel and they are neither its owner nor
/// an admin any more.
async fn may_post(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    sender: UserId,
) -> Result<(), RepositoryError> {
    let found: Option<(String, String)> = members::Entity::find()
        .select_only()
        .column(members::Column::Role)
        .column(conversations::Column::Kind)
        .inner_join(conversations::Entity)
        .filter(members::Column::ConversationId.eq(conversation.as_uuid()))
        .filter(members::Column::UserId.eq(sender.as_uuid()))
        .into_tuple()
        .one(txn)
        .await
        .map_err(map_db_err)?;
    let (role, kind) = found.ok_or(RepositoryError::NotFound)?;
    let kind = ConversationKind::parse(&kind).map_err(|e| corrupt("conversations", e))?;
    check_may_post(kind, &role)
}

fn check_may_post(kind: ConversationKind, role: &str) -> Result<(), RepositoryError> {
    let role = MemberRole::parse(role).map_err(|e| corrupt("conversation_members", e))?;
    Ok(palaver_domain::conversation::policy::may_post(kind, role)?)
}
