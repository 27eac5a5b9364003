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
use palaver_domain::conversation::{
    ConversationEvent, ConversationId, EventPayload, Member, MemberRole,
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

/// Checks the actor's role; call it under the conversation's lock. `NotFound` if they are
/// not a member, `Forbidden(refusal)` unless they are its owner or an admin.
pub(super) async fn require_owner_or_admin(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    actor: UserId,
    refusal: &'static str,
) -> Result<(), RepositoryError> {
    match role_of(txn, id, actor).await? {
        None => Err(RepositoryError::NotFound),
        Some(MemberRole::Owner | MemberRole::Admin) => Ok(()),
        Some(MemberRole::Member) => Err(RepositoryError::Forbidden(refusal)),
    }
}

/// The member's role as it stands, `None` if they are not a member; read under the
/// conversation's lock, it cannot change before the transaction ends.
async fn role_of(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    user: UserId,
) -> Result<Option<MemberRole>, RepositoryError> {
    let role: Option<String> = members::Entity::find_by_id((id.as_uuid(), user.as_uuid()))
        .select_only()
        .column(members::Column::Role)
        .into_tuple()
        .one(txn)
        .await
        .map_err(map_db_err)?;
    role.map(|r| MemberRole::parse(&r).map_err(|e| corrupt("conversation_members", e)))
        .transpose()
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
    require_owner_or_admin(txn, id, actor, "only the owner and admins may add members").await?;
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
    if role_of(txn, id, actor).await? != Some(MemberRole::Owner) {
        return Err(RepositoryError::Forbidden(
            "only the owner may change roles",
        ));
    }
    match role_of(txn, id, user).await? {
        None => return Err(RepositoryError::NotFound),
        Some(MemberRole::Owner) => {
            return Err(RepositoryError::Forbidden(
                "the owner's role changes only when they leave",
            ));
        }
        Some(_) => {}
    }
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
    let leaver = role_of(txn, id, user)
        .await?
        .ok_or(RepositoryError::NotFound)?;
    if actor != user {
        let remover = role_of(txn, id, actor)
            .await?
            .ok_or(RepositoryError::NotFound)?;
        let allowed = match remover {
            MemberRole::Owner => true,
            MemberRole::Admin => leaver == MemberRole::Member,
            MemberRole::Member => false,
        };
        if !allowed {
            return Err(RepositoryError::Forbidden(
                "owners remove anyone, admins remove plain members, members only leave",
            ));
        }
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
        let successor = longest_standing(txn, id, Some(MemberRole::Admin)).await?;
        let successor = match successor {
            Some(admin) => admin,
            None => longest_standing(txn, id, None)
                .await?
                .ok_or_else(|| corrupt("conversation_members", "members vanished"))?,
        };
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

/// The member who joined first (with this role, if given); ties go to the lower user id.
async fn longest_standing(
    txn: &impl ConnectionTrait,
    id: ConversationId,
    role: Option<MemberRole>,
) -> Result<Option<UserId>, RepositoryError> {
    let mut query = members::Entity::find()
        .select_only()
        .column(members::Column::UserId)
        .filter(members::Column::ConversationId.eq(id.as_uuid()));
    if let Some(role) = role {
        query = query.filter(members::Column::Role.eq(role.as_str()));
    }
    let found: Option<Uuid> = query
        .order_by_asc(members::Column::JoinedAt)
        .order_by_asc(members::Column::UserId)
        .into_tuple()
        .one(txn)
        .await
        .map_err(map_db_err)?;
    Ok(found.map(UserId::from_uuid))
}
