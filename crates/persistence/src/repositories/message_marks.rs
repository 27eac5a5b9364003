//! Reactions and pins: marks members put on messages, each change one event of the
//! conversation's log. Every change runs under the conversation's lock (taken first, as
//! the event log asks), re-checks the actor's membership and the policy there, and logs
//! nothing when it changes nothing (a repeated reaction, an absent one removed).
//!
//! Their events take the next seq but do not move the conversation's activity time: a
//! reaction or a pin is not news that should reorder anyone's conversation list, and
//! unread counts count messages, not events.

use crate::announcer::EventAnnouncer;
use crate::entities::{
    conversation_members as members, conversations, message_pins as pins,
    message_reactions as reactions, messages,
};
use crate::error::{corrupt, finish, map_db_err};
use crate::event_log::{lock_conversation, log_event};
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::policy::{self, Verdict};
use palaver_domain::conversation::{
    ConversationEvent, ConversationId, ConversationKind, EmojiKey, EventPayload, MemberRole,
    MessageId,
};
use palaver_domain::user::UserId;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};

/// What a mark does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Add,
    Remove,
}

/// The conversation of an undeleted message; `NotFound` if it is gone or deleted.
async fn conversation_of(
    db: &impl ConnectionTrait,
    message: MessageId,
) -> Result<ConversationId, RepositoryError> {
    let found: Option<(uuid::Uuid, Option<DateTime<Utc>>)> =
        messages::Entity::find_by_id(message.as_uuid())
            .select_only()
            .column(messages::Column::ConversationId)
            .column(messages::Column::DeletedAt)
            .into_tuple()
            .one(db)
            .await
            .map_err(map_db_err)?;
    match found {
        Some((conversation, None)) => Ok(ConversationId::from_uuid(conversation)),
        _ => Err(RepositoryError::NotFound),
    }
}

/// Checks `rule` for the actor's role as it stands under the lock; `NotFound` if they are
/// not a member.
async fn check_member(
    db: &impl ConnectionTrait,
    conversation: ConversationId,
    actor: UserId,
    rule: fn(ConversationKind, MemberRole) -> Verdict,
) -> Result<(), RepositoryError> {
    let found: Option<(String, String)> = members::Entity::find()
        .select_only()
        .column(members::Column::Role)
        .column(conversations::Column::Kind)
        .inner_join(conversations::Entity)
        .filter(members::Column::ConversationId.eq(conversation.as_uuid()))
        .filter(members::Column::UserId.eq(actor.as_uuid()))
        .into_tuple()
        .one(db)
        .await
        .map_err(map_db_err)?;
    let (role, kind) = found.ok_or(RepositoryError::NotFound)?;
    let kind = ConversationKind::parse(&kind).map_err(|e| corrupt("conversations", e))?;
    let role = MemberRole::parse(&role).map_err(|e| corrupt("conversation_members", e))?;
    Ok(rule(kind, role)?)
}

/// The conversation's next seq, under the lock already held, without moving its activity.
async fn next_quiet_seq(
    db: &impl ConnectionTrait,
    conversation: ConversationId,
) -> Result<i64, RepositoryError> {
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastSeq,
            Expr::col(conversations::Column::LastSeq).add(1),
        )
        .filter(conversations::Column::Id.eq(conversation.as_uuid()))
        .exec(db)
        .await
        .map_err(map_db_err)?;
    conversations::Entity::find_by_id(conversation.as_uuid())
        .select_only()
        .column(conversations::Column::LastSeq)
        .into_tuple()
        .one(db)
        .await
        .map_err(map_db_err)?
        .ok_or(RepositoryError::NotFound)
}

/// Adds or removes `user`'s `emoji` on the message; the event, or `None` if nothing
/// changed.
pub async fn react(
    db: &DatabaseConnection,
    announcer: &EventAnnouncer,
    message: MessageId,
    user: UserId,
    emoji: &EmojiKey,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Option<ConversationEvent>, RepositoryError> {
    let conversation = conversation_of(db, message).await?;
    let turn = announcer.turn(conversation).await;
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = react_in(&txn, conversation, message, user, emoji, change, now).await;
    let changed = finish(txn, result).await?;
    turn.announce(&changed);
    Ok(changed)
}

async fn react_in(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    message: MessageId,
    user: UserId,
    emoji: &EmojiKey,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Option<ConversationEvent>, RepositoryError> {
    lock_conversation(txn, conversation).await?;
    check_member(txn, conversation, user, policy::may_react).await?;
    // Deleted meanwhile: its reactions went with its content.
    conversation_of(txn, message).await?;
    let mine = || {
        reactions::Entity::find()
            .filter(reactions::Column::MessageId.eq(message.as_uuid()))
            .filter(reactions::Column::UserId.eq(user.as_uuid()))
            .filter(reactions::Column::Emoji.eq(emoji.as_str()))
    };
    let payload = match change {
        Change::Add => {
            if mine().count(txn).await.map_err(map_db_err)? > 0 {
                return Ok(None);
            }
            reactions::Entity::insert(reactions::ActiveModel {
                message_id: Set(message.as_uuid()),
                user_id: Set(user.as_uuid()),
                emoji: Set(emoji.as_str().to_owned()),
                created_at: Set(now),
            })
            .exec_without_returning(txn)
            .await
            .map_err(map_db_err)?;
            EventPayload::ReactionAdded {
                message_id: message,
                emoji: emoji.clone(),
                user_id: user,
            }
        }
        Change::Remove => {
            let removed = reactions::Entity::delete_many()
                .filter(reactions::Column::MessageId.eq(message.as_uuid()))
                .filter(reactions::Column::UserId.eq(user.as_uuid()))
                .filter(reactions::Column::Emoji.eq(emoji.as_str()))
                .exec(txn)
                .await
                .map_err(map_db_err)?;
            if removed.rows_affected == 0 {
                return Ok(None);
            }
            EventPayload::ReactionRemoved {
                message_id: message,
                emoji: emoji.clone(),
                user_id: user,
            }
        }
    };
    let seq = next_quiet_seq(txn, conversation).await?;
    log_event(txn, conversation, seq, now, payload)
        .await
        .map(Some)
}

/// Pins or unpins the message; the event, or `None` if nothing changed.
pub async fn pin(
    db: &DatabaseConnection,
    announcer: &EventAnnouncer,
    message: MessageId,
    actor: UserId,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Option<ConversationEvent>, RepositoryError> {
    let conversation = conversation_of(db, message).await?;
    let turn = announcer.turn(conversation).await;
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = pin_in(&txn, conversation, message, actor, change, now).await;
    let changed = finish(txn, result).await?;
    turn.announce(&changed);
    Ok(changed)
}

async fn pin_in(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    message: MessageId,
    actor: UserId,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Option<ConversationEvent>, RepositoryError> {
    lock_conversation(txn, conversation).await?;
    check_member(txn, conversation, actor, policy::may_pin).await?;
    conversation_of(txn, message).await?;
    let payload = match change {
        Change::Add => {
            let pinned = pins::Entity::find_by_id(message.as_uuid())
                .count(txn)
                .await
                .map_err(map_db_err)?;
            if pinned > 0 {
                return Ok(None);
            }
            pins::Entity::insert(pins::ActiveModel {
                message_id: Set(message.as_uuid()),
                conversation_id: Set(conversation.as_uuid()),
                pinned_by: Set(Some(actor.as_uuid())),
                pinned_at: Set(now),
            })
            .exec_without_returning(txn)
            .await
            .map_err(map_db_err)?;
            EventPayload::MessagePinned {
                message_id: message,
                user_id: actor,
            }
        }
        Change::Remove => {
            let removed = pins::Entity::delete_by_id(message.as_uuid())
                .exec(txn)
                .await
                .map_err(map_db_err)?;
            if removed.rows_affected == 0 {
                return Ok(None);
            }
            EventPayload::MessageUnpinned {
                message_id: message,
                user_id: actor,
            }
        }
    };
    let seq = next_quiet_seq(txn, conversation).await?;
    log_event(txn, conversation, seq, now, payload)
        .await
        .map(Some)
}

/// A deleted message keeps no reactions, pin or mentions: its content is gone.
pub async fn clear_marks(
    txn: &impl ConnectionTrait,
    message: MessageId,
) -> Result<(), RepositoryError> {
    use crate::entities::message_mentions as mentions;
    reactions::Entity::delete_many()
        .filter(reactions::Column::MessageId.eq(message.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    pins::Entity::delete_by_id(message.as_uuid())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    mentions::Entity::delete_many()
        .filter(mentions::Column::MessageId.eq(message.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}
