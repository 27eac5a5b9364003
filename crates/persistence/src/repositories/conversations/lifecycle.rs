//! Creating conversations (a direct one at most once per pair), renaming and deleting them.

use super::listing::member_ids_in;
use super::members::require;
use crate::entities::{conversation_members as members, conversations};
use crate::error::{finish, map_db_err, map_insert_err, map_write_err};
use crate::event_log::{lock_conversation, log_event, next_seq};
use crate::mapping::{conversation_from_row, conversation_to_row, member_to_row};
use chrono::{DateTime, Utc};
use palaver_domain::conversation::policy;
use palaver_domain::conversation::{
    Conversation, ConversationEvent, ConversationId, ConversationName, EventPayload, Member,
};
use palaver_domain::error::Message as ErrorText;
use palaver_domain::user::UserId;
use palaver_domain::{RepositoryError, Taken};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

pub(super) async fn create(
    db: &DatabaseConnection,
    conversation: &Conversation,
    members: &[Member],
) -> Result<(), RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = insert_conversation(&txn, conversation, members, None).await;
    finish(txn, result).await.map(|_| ())
}

pub(super) async fn find_or_create_direct(
    db: &DatabaseConnection,
    conversation: &Conversation,
    members: &[Member],
    pair_key: &str,
) -> Result<(Conversation, bool), RepositoryError> {
    // A concurrent creator may win between the look-up and the insert (then the insert
    // hits the unique key and the look-up finds theirs), and theirs may even be deleted
    // before the look-up; a few rounds settle it.
    for _ in 0..3 {
        if let Some(found) = find_direct(db, pair_key).await? {
            return Ok((found, false));
        }
        let txn = db.begin().await.map_err(map_db_err)?;
        let result = insert_conversation(&txn, conversation, members, Some(pair_key)).await;
        match finish(txn, result).await {
            Ok(member_count) => {
                let created = Conversation {
                    member_count,
                    ..conversation.clone()
                };
                return Ok((created, true));
            }
            Err(RepositoryError::Conflict {
                field: Taken::DirectConversation,
            }) => continue,
            Err(error) => return Err(error),
        }
    }
    Err(RepositoryError::unexpected(ErrorText(format!(
        "direct conversation {pair_key} keeps being created and deleted"
    ))))
}

pub(super) async fn rename(
    db: &DatabaseConnection,
    id: ConversationId,
    actor: UserId,
    name: &ConversationName,
    now: DateTime<Utc>,
) -> Result<ConversationEvent, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = rename_in(&txn, id, actor, name, now).await;
    finish(txn, result).await
}

pub(super) async fn delete(
    db: &DatabaseConnection,
    id: ConversationId,
) -> Result<Vec<UserId>, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = delete_in(&txn, id).await;
    finish(txn, result).await
}

async fn find_direct(
    db: &DatabaseConnection,
    pair_key: &str,
) -> Result<Option<Conversation>, RepositoryError> {
    conversations::Entity::find()
        .filter(conversations::Column::DirectKey.eq(pair_key))
        .one(db)
        .await
        .map_err(map_db_err)?
        .map(conversation_from_row)
        .transpose()
}

/// Inserts the conversation and its members; returns how many members it has.
async fn insert_conversation(
    txn: &impl ConnectionTrait,
    conversation: &Conversation,
    members: &[Member],
    direct_key: Option<&str>,
) -> Result<u32, RepositoryError> {
    conversations::Entity::insert(conversation_to_row(
        conversation,
        direct_key,
        members.len(),
    )?)
    .exec_without_returning(txn)
    .await
    .map_err(map_insert_err(Taken::DirectConversation))?;
    members::Entity::insert_many(members.iter().map(member_to_row))
        .exec_without_returning(txn)
        .await
        .map_err(map_write_err)?;
    u32::try_from(members.len()).map_err(RepositoryError::unexpected)
}

async fn find_conversation_in(
    txn: &impl ConnectionTrait,
    id: ConversationId,
) -> Result<Conversation, RepositoryError> {
    conversations::Entity::find_by_id(id.as_uuid())
        .one(txn)
        .await
        .map_err(map_db_err)?
        .map(conversation_from_row)
        .transpose()?
        .ok_or(RepositoryError::NotFound)
}

async fn rename_in(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    actor: UserId,
    name: &ConversationName,
    now: DateTime<Utc>,
) -> Result<ConversationEvent, RepositoryError> {
    // The seq (and with it the lock) first, so the role read next is the one that holds;
    // a refusal rolls the seq back.
    let seq = next_seq(txn, id, now).await?;
    require(txn, id, actor, policy::may_rename).await?;
    conversations::Entity::update_many()
        .col_expr(conversations::Column::Name, Expr::value(name.as_str()))
        .filter(conversations::Column::Id.eq(id.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    let conversation = find_conversation_in(txn, id).await?;
    log_event(
        txn,
        id,
        seq,
        now,
        EventPayload::ConversationUpdated { conversation },
    )
    .await
}

async fn delete_in(
    txn: &impl ConnectionTrait,
    id: ConversationId,
) -> Result<Vec<UserId>, RepositoryError> {
    // Locked first, so nobody joins between reading the members and deleting.
    lock_conversation(txn, id).await?;
    let members = member_ids_in(txn, id).await?;
    conversations::Entity::delete_by_id(id.as_uuid())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    Ok(members)
}
