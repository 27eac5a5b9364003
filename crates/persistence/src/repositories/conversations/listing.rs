//! Lists: a conversation's members, and a user's conversations with their last messages
//! and unread counts.

use crate::entities::{conversation_members as members, conversations, messages};
use crate::error::{corrupt, map_db_err};
use crate::event_log::IDS_PER_QUERY;
use crate::mapping::{conversation_from_row, member_from_row, message_from_row};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationId, ConversationSummary, Member, Message};
use palaver_domain::ports::{ConversationCursor, MemberCursor};
use palaver_domain::user::UserId;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

pub(super) async fn list_members(
    db: &DatabaseConnection,
    id: ConversationId,
    after: Option<MemberCursor>,
    limit: u64,
) -> Result<Vec<Member>, RepositoryError> {
    let mut query =
        members::Entity::find().filter(members::Column::ConversationId.eq(id.as_uuid()));
    if let Some(after) = after {
        query = query.filter(
            Condition::any()
                .add(members::Column::JoinedAt.gt(after.joined_at))
                .add(
                    Condition::all()
                        .add(members::Column::JoinedAt.eq(after.joined_at))
                        .add(members::Column::UserId.gt(after.user_id.as_uuid())),
                ),
        );
    }
    query
        .order_by_asc(members::Column::JoinedAt)
        .order_by_asc(members::Column::UserId)
        .limit(limit)
        .all(db)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(member_from_row)
        .collect()
}

pub(super) async fn member_ids_in(
    db: &impl ConnectionTrait,
    id: ConversationId,
) -> Result<Vec<UserId>, RepositoryError> {
    let ids: Vec<Uuid> = members::Entity::find()
        .select_only()
        .column(members::Column::UserId)
        .filter(members::Column::ConversationId.eq(id.as_uuid()))
        .order_by_asc(members::Column::JoinedAt)
        .order_by_asc(members::Column::UserId)
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    Ok(ids.into_iter().map(UserId::from_uuid).collect())
}

pub(super) async fn memberships_of(
    db: &DatabaseConnection,
    user: UserId,
) -> Result<Vec<ConversationId>, RepositoryError> {
    let ids: Vec<Uuid> = members::Entity::find()
        .select_only()
        .column(members::Column::ConversationId)
        .filter(members::Column::UserId.eq(user.as_uuid()))
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    Ok(ids.into_iter().map(ConversationId::from_uuid).collect())
}

/// One query: the user's memberships joined to every membership of the same
/// conversations, each other member once.
pub(super) async fn contact_ids(
    db: &DatabaseConnection,
    user: UserId,
) -> Result<Vec<UserId>, RepositoryError> {
    use members::Column as M;
    const MINE: &str = "mine";
    const THEIRS: &str = "theirs";
    let query = Query::select()
        .distinct()
        .column((THEIRS, M::UserId))
        .from_as(members::Entity, MINE)
        .join_as(
            JoinType::InnerJoin,
            members::Entity,
            THEIRS,
            Expr::col((THEIRS, M::ConversationId)).equals((MINE, M::ConversationId)),
        )
        .and_where(Expr::col((MINE, M::UserId)).eq(user.as_uuid()))
        .and_where(Expr::col((THEIRS, M::UserId)).ne(user.as_uuid()))
        .order_by((THEIRS, M::UserId), Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "user_id").map_err(map_db_err)?;
            Ok(UserId::from_uuid(id))
        })
        .collect()
}

pub(super) async fn list_for_user(
    db: &DatabaseConnection,
    user: UserId,
    after: Option<ConversationCursor>,
    limit: u64,
) -> Result<Vec<ConversationSummary>, RepositoryError> {
    // 1: the page of memberships with their conversations.
    let mut query = members::Entity::find()
        .filter(members::Column::UserId.eq(user.as_uuid()))
        .find_also_related(conversations::Entity);
    if let Some(after) = after {
        query = query.filter(
            Condition::any()
                .add(conversations::Column::LastActivityAt.lt(after.last_activity_at))
                .add(
                    Condition::all()
                        .add(conversations::Column::LastActivityAt.eq(after.last_activity_at))
                        .add(conversations::Column::Id.lt(after.conversation_id.as_uuid())),
                ),
        );
    }
    let page = query
        .order_by_desc(conversations::Column::LastActivityAt)
        .order_by_desc(conversations::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(|(member, conversation)| {
            conversation
                .map(|conversation| (member, conversation))
                .ok_or_else(|| corrupt("conversation_members", "member of nothing"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if page.is_empty() {
        return Ok(Vec::new());
    }

    // 2: their last messages; 3: the unread counts.
    let last_message_ids: Vec<Uuid> = page.iter().filter_map(|(_, c)| c.last_message_id).collect();
    let mut last_messages = messages_by_id(db, &last_message_ids).await?;
    let conversation_ids: Vec<Uuid> = page.iter().map(|(_, c)| c.id).collect();
    let unread = unread_counts(db, user, &conversation_ids).await?;

    page.into_iter()
        .map(|(member, row)| {
            let last_message = row.last_message_id.and_then(|id| last_messages.remove(&id));
            let unread_count = unread.get(&row.id).copied().unwrap_or_default();
            let last_activity_at = row.last_activity_at;
            Ok(ConversationSummary {
                conversation: conversation_from_row(row)?,
                my_role: member_from_row(member)?.role,
                last_message,
                unread_count,
                last_activity_at,
            })
        })
        .collect()
}

/// The messages with these ids, one query per [`IDS_PER_QUERY`] of them.
async fn messages_by_id(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Message>, RepositoryError> {
    let mut found = HashMap::with_capacity(ids.len());
    for ids in ids.chunks(IDS_PER_QUERY) {
        for row in messages::Entity::find()
            .filter(messages::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await
            .map_err(map_db_err)?
        {
            found.insert(row.id, message_from_row(row)?);
        }
    }
    // The previews carry what every message view carries: attachments, reactions, thread,
    // mentions and pin, a statement each for the whole page.
    let mut messages: Vec<Message> = found.into_values().collect();
    crate::repositories::load_attachments(db, messages.iter_mut()).await?;
    crate::annotations::annotate(db, &mut messages).await?;
    Ok(messages
        .into_iter()
        .map(|message| (message.id.as_uuid(), message))
        .collect())
}

/// For each of the conversations, how many messages `user` has not read: after their
/// read marker, sent by someone else (or by a deleted account), not deleted.
async fn unread_counts(
    db: &DatabaseConnection,
    user: UserId,
    conversation_ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, RepositoryError> {
    use members::Column as M;
    use messages::Column as Msg;
    let mut counts = HashMap::with_capacity(conversation_ids.len());
    for ids in conversation_ids.chunks(IDS_PER_QUERY) {
        let query = Query::select()
            .column((messages::Entity, Msg::ConversationId))
            .expr_as(Expr::col((messages::Entity, Msg::Id)).count(), "unread")
            .from(messages::Entity)
            .inner_join(
                members::Entity,
                Condition::all()
                    .add(
                        Expr::col((members::Entity, M::ConversationId))
                            .equals((messages::Entity, Msg::ConversationId)),
                    )
                    .add(Expr::col((members::Entity, M::UserId)).eq(user.as_uuid())),
            )
            .and_where(
                Expr::col((messages::Entity, Msg::ConversationId)).is_in(ids.iter().copied()),
            )
            .and_where(
                Expr::col((messages::Entity, Msg::Seq))
                    .gt(Expr::col((members::Entity, M::LastReadSeq))),
            )
            .cond_where(
                Condition::any()
                    .add(Expr::col((messages::Entity, Msg::SenderId)).ne(user.as_uuid()))
                    .add(Expr::col((messages::Entity, Msg::SenderId)).is_null()),
            )
            .and_where(Expr::col((messages::Entity, Msg::DeletedAt)).is_null())
            .group_by_col((messages::Entity, Msg::ConversationId))
            .to_owned();
        for row in db.query_all(&query).await.map_err(map_db_err)? {
            let id: Uuid = row.try_get("", "conversation_id").map_err(map_db_err)?;
            let unread: i64 = row.try_get("", "unread").map_err(map_db_err)?;
            counts.insert(id, u64::try_from(unread).unwrap_or_default());
        }
    }
    Ok(counts)
}
