//! Changing who belongs to a conversation and in what role: adding, removing (with the
//! owner's hand-off when they leave) and role changes, each checked under the lock.

use crate::entities::{conversation_members as members, conversations};
use crate::error::{corrupt, finish, map_db_err, map_write_err};
use crate::event_log::{
    IDS_PER_QUERY, allocate_seqs, lock_conversation, log_event, log_events, next_seq,
};
use crate::mapping::member_to_row;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::policy::{self, Heir, Verdict};
use palaver_domain::conversation::{
    ConversationEvent, ConversationId, ConversationKind, EventPayload, Member, MemberRole,
};
use palaver_domain::ports::Departure;
use palaver_domain::user::UserId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashSet;
use uuid::Uuid;

pub(super) async fn add_members(
    db: &DatabaseConnection,
    id: ConversationId,
    actor: UserId,
    users: &[UserId],
    now: DateTime<Utc>,
) -> Result<Vec<ConversationEvent>, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = add_members_in(&txn, id, actor, users, now).await;
    finish(txn, result).await
}

pub(super) async fn set_member_role(
    db: &DatabaseConnection,
    id: ConversationId,
    actor: UserId,
    user: UserId,
    role: MemberRole,
    now: DateTime<Utc>,
) -> Result<ConversationEvent, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = set_role_in(&txn, id, actor, user, role, now).await;
    finish(txn, result).await
}

pub(super) async fn remove_member(
    db: &DatabaseConnection,
    id: ConversationId,
    actor: UserId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Departure, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = remove_member_in(&txn, id, actor, user, now).await;
    finish(txn, result).await
}

/// Asks a rule of [`policy`] with the actor's standing as it is now; call it under the
/// conversation's lock. `NotFound` if they are not a member, `Forbidden` when refused.
pub(super) async fn require(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    actor: UserId,
    rule: fn(ConversationKind, MemberRole) -> Verdict,
) -> Result<(), RepositoryError> {
    let (kind, role) = standing(txn, id, actor)
        .await?
        .ok_or(RepositoryError::NotFound)?;
    Ok(rule(kind, role)?)
}

/// The conversation's kind and the member's role in it, `None` if they are not a member;
/// read under the conversation's lock, neither can change before the transaction ends.
pub(crate) async fn standing(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    user: UserId,
) -> Result<Option<(ConversationKind, MemberRole)>, RepositoryError> {
    let found: Option<(String, String)> = members::Entity::find()
        .select_only()
        .column(conversations::Column::Kind)
        .column(members::Column::Role)
        .inner_join(conversations::Entity)
        .filter(members::Column::ConversationId.eq(id.as_uuid()))
        .filter(members::Column::UserId.eq(user.as_uuid()))
        .into_tuple()
        .one(txn)
        .await
        .map_err(map_db_err)?;
    let Some((kind, role)) = found else {
        return Ok(None);
    };
    let kind = ConversationKind::parse(&kind).map_err(|e| corrupt("conversations", e))?;
    let role = MemberRole::parse(&role).map_err(|e| corrupt("conversation_members", e))?;
    Ok(Some((kind, role)))
}

/// Adds `delta` to the conversation's member count.
async fn count_members(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    delta: i64,
) -> Result<(), RepositoryError> {
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::MemberCount,
            Expr::col(conversations::Column::MemberCount).add(delta),
        )
        .filter(conversations::Column::Id.eq(id.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

async fn add_members_in(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    actor: UserId,
    users: &[UserId],
    now: DateTime<Utc>,
) -> Result<Vec<ConversationEvent>, RepositoryError> {
    // Whether the actor may add, and who is in already, can only be known under the lock;
    // the seqs are taken after.
    lock_conversation(txn, id).await?;
    require(txn, id, actor, policy::may_add_members).await?;
    let mut existing: HashSet<Uuid> = HashSet::new();
    for chunk in users.chunks(IDS_PER_QUERY) {
        let ids: Vec<Uuid> = members::Entity::find()
            .select_only()
            .column(members::Column::UserId)
            .filter(members::Column::ConversationId.eq(id.as_uuid()))
            .filter(members::Column::UserId.is_in(chunk.iter().map(UserId::as_uuid)))
            .into_tuple()
            .all(txn)
            .await
            .map_err(map_db_err)?;
        existing.extend(ids);
    }
    let mut joining = Vec::new();
    for user in users {
        if existing.insert(user.as_uuid()) {
            joining.push(*user);
        }
    }
    if joining.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(joining.len()).map_err(RepositoryError::unexpected)?;
    let first = allocate_seqs(txn, id, count, now).await?;
    let (mut rows, mut events) = (Vec::new(), Vec::new());
    for (seq, user) in (first..).zip(joining) {
        // What was said before they joined is history to them, not unread.
        rows.push(member_to_row(&Member {
            conversation_id: id,
            user_id: user,
            role: MemberRole::Member,
            joined_at: now,
            last_read_seq: seq,
            last_delivered_seq: seq,
        }));
        events.push(ConversationEvent {
            conversation_id: id,
            seq,
            created_at: now,
            payload: EventPayload::MemberJoined {
                user_id: user,
                role: MemberRole::Member,
            },
        });
    }
    for chunk in rows.chunks(IDS_PER_QUERY) {
        members::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(txn)
            .await
            .map_err(map_write_err)?;
    }
    count_members(txn, id, count).await?;
    log_events(txn, &events).await?;
    Ok(events)
}

async fn set_role_in(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    actor: UserId,
    user: UserId,
    role: MemberRole,
    now: DateTime<Utc>,
) -> Result<ConversationEvent, RepositoryError> {
    // The lock first: the roles read after it are the ones this change applies to, even if
    // the owner left (handing on) or was changed since the caller looked.
    let seq = next_seq(txn, id, now).await?;
    let (kind, actor_role) = standing(txn, id, actor)
        .await?
        .ok_or(RepositoryError::NotFound)?;
    let (_, target_role) = standing(txn, id, user)
        .await?
        .ok_or(RepositoryError::NotFound)?;
    policy::may_change_role(kind, actor_role, target_role)?;
    update_role(txn, id, user, role).await?;
    log_event(
        txn,
        id,
        seq,
        now,
        EventPayload::MemberUpdated {
            user_id: user,
            role,
        },
    )
    .await
}

/// `NotFound` if the user is not a member. A new owner becomes the conversation's owner.
async fn update_role(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    user: UserId,
    role: MemberRole,
) -> Result<(), RepositoryError> {
    let updated = members::Entity::update_many()
        .col_expr(members::Column::Role, Expr::value(role.as_str()))
        .filter(members::Column::ConversationId.eq(id.as_uuid()))
        .filter(members::Column::UserId.eq(user.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if updated.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    if role == MemberRole::Owner {
        conversations::Entity::update_many()
            .col_expr(conversations::Column::OwnerId, Expr::value(user.as_uuid()))
            .filter(conversations::Column::Id.eq(id.as_uuid()))
            .exec(txn)
            .await
            .map_err(map_db_err)?;
    }
    Ok(())
}

async fn remove_member_in(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    actor: UserId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Departure, RepositoryError> {
    // The lock first: both roles read below hold until the transaction ends, and a refusal
    // rolls the seq back.
    let left_seq = next_seq(txn, id, now).await?;
    let (kind, leaver) = standing(txn, id, user)
        .await?
        .ok_or(RepositoryError::NotFound)?;
    // Leaving is checked by the use-case only: deleting an account leaves every
    // conversation, direct ones included.
    if actor != user {
        let (_, remover) = standing(txn, id, actor)
            .await?
            .ok_or(RepositoryError::NotFound)?;
        policy::may_remove_member(kind, remover, leaver)?;
    }
    members::Entity::delete_by_id((id.as_uuid(), user.as_uuid()))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    let remaining = members::Entity::find()
        .filter(members::Column::ConversationId.eq(id.as_uuid()))
        .count(txn)
        .await
        .map_err(map_db_err)?;
    if remaining == 0 {
        conversations::Entity::delete_by_id(id.as_uuid())
            .exec(txn)
            .await
            .map_err(map_db_err)?;
        return Ok(Departure::ConversationDeleted);
    }
    count_members(txn, id, -1).await?;
    let mut events = vec![ConversationEvent {
        conversation_id: id,
        seq: left_seq,
        created_at: now,
        payload: EventPayload::MemberLeft { user_id: user },
    }];
    if leaver == MemberRole::Owner {
        let mut heirs = Vec::new();
        for role in [MemberRole::Admin, MemberRole::Member] {
            heirs.extend(senior_heir(txn, id, role).await?);
        }
        let successor = policy::next_owner(&heirs)
            .ok_or_else(|| corrupt("conversation_members", "members vanished"))?;
        let seq = next_seq(txn, id, now).await?;
        update_role(txn, id, successor, MemberRole::Owner).await?;
        events.push(ConversationEvent {
            conversation_id: id,
            seq,
            created_at: now,
            payload: EventPayload::MemberUpdated {
                user_id: successor,
                role: MemberRole::Owner,
            },
        });
    }
    log_events(txn, &events).await?;
    Ok(Departure::Left { events })
}

/// The first member of this role by [`policy::heir_order`] (joined first, then the lower
/// user id), offered to [`policy::next_owner`], which chooses among the roles.
async fn senior_heir(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    role: MemberRole,
) -> Result<Option<Heir>, RepositoryError> {
    let found: Option<(Uuid, DateTime<Utc>)> = members::Entity::find()
        .select_only()
        .column(members::Column::UserId)
        .column(members::Column::JoinedAt)
        .filter(members::Column::ConversationId.eq(id.as_uuid()))
        .filter(members::Column::Role.eq(role.as_str()))
        .order_by_asc(members::Column::JoinedAt)
        .order_by_asc(members::Column::UserId)
        .into_tuple()
        .one(txn)
        .await
        .map_err(map_db_err)?;
    Ok(found.map(|(user, joined_at)| Heir {
        user_id: UserId::from_uuid(user),
        role,
        joined_at,
    }))
}
