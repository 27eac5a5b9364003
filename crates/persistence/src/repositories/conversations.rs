use crate::database::Database;
use crate::entities::{conversation_members as members, conversations, messages};
use crate::error::{corrupt, finish, map_db_err, map_write_err};
use crate::event_log::{
    IDS_PER_QUERY, allocate_seqs, load_events, lock_conversation, log_event, log_events, next_seq,
};
use crate::mapping::{
    conversation_from_row, conversation_to_row, member_from_row, member_to_row, message_from_row,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    Conversation, ConversationEvent, ConversationId, ConversationName, ConversationSummary,
    EventPayload, Member, MemberRole, Message,
};
use palaver_domain::error::Message as ErrorText;
use palaver_domain::ports::{ConversationCursor, ConversationRepository, Departure, MemberCursor};
use palaver_domain::user::UserId;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub struct SqlConversationRepository {
    db: DatabaseConnection,
}

impl SqlConversationRepository {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }

    async fn find_direct(&self, pair_key: &str) -> Result<Option<Conversation>, RepositoryError> {
        conversations::Entity::find()
            .filter(conversations::Column::DirectKey.eq(pair_key))
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .map(conversation_from_row)
            .transpose()
    }

    /// The messages with these ids, one query per [`IDS_PER_QUERY`] of them.
    async fn messages_by_id(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Message>, RepositoryError> {
        let mut found = HashMap::with_capacity(ids.len());
        for ids in ids.chunks(IDS_PER_QUERY) {
            for row in messages::Entity::find()
                .filter(messages::Column::Id.is_in(ids.iter().copied()))
                .all(&self.db)
                .await
                .map_err(map_db_err)?
            {
                found.insert(row.id, message_from_row(row)?);
            }
        }
        Ok(found)
    }

    /// For each of the conversations, how many messages `user` has not read: after their
    /// read marker, sent by someone else (or by a deleted account), not deleted.
    async fn unread_counts(
        &self,
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
            for row in self.db.query_all(&query).await.map_err(map_db_err)? {
                let id: Uuid = row.try_get("", "conversation_id").map_err(map_db_err)?;
                let unread: i64 = row.try_get("", "unread").map_err(map_db_err)?;
                counts.insert(id, u64::try_from(unread).unwrap_or_default());
            }
        }
        Ok(counts)
    }
}

#[async_trait]
impl ConversationRepository for SqlConversationRepository {
    async fn create(
        &self,
        conversation: &Conversation,
        members: &[Member],
    ) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = insert_conversation(&txn, conversation, members, None).await;
        finish(txn, result).await.map(|_| ())
    }

    async fn find_or_create_direct(
        &self,
        conversation: &Conversation,
        members: &[Member],
        pair_key: &str,
    ) -> Result<(Conversation, bool), RepositoryError> {
        // A concurrent creator may win between the look-up and the insert (then the insert
        // hits the unique key and the look-up finds theirs), and theirs may even be deleted
        // before the look-up; a few rounds settle it.
        for _ in 0..3 {
            if let Some(found) = self.find_direct(pair_key).await? {
                return Ok((found, false));
            }
            let txn = self.db.begin().await.map_err(map_db_err)?;
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
                    field: "direct_key",
                }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(RepositoryError::unexpected(ErrorText(format!(
            "direct conversation {pair_key} keeps being created and deleted"
        ))))
    }

    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, RepositoryError> {
        conversations::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .map(conversation_from_row)
            .transpose()
    }

    async fn find_member(
        &self,
        id: ConversationId,
        user: UserId,
    ) -> Result<Option<Member>, RepositoryError> {
        members::Entity::find_by_id((id.as_uuid(), user.as_uuid()))
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .map(member_from_row)
            .transpose()
    }

    async fn list_members(
        &self,
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
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(member_from_row)
            .collect()
    }

    async fn member_ids(&self, id: ConversationId) -> Result<Vec<UserId>, RepositoryError> {
        member_ids_in(&self.db, id).await
    }

    async fn list_for_user(
        &self,
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
            .all(&self.db)
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
        let last_message_ids: Vec<Uuid> =
            page.iter().filter_map(|(_, c)| c.last_message_id).collect();
        let mut last_messages = self.messages_by_id(&last_message_ids).await?;
        let conversation_ids: Vec<Uuid> = page.iter().map(|(_, c)| c.id).collect();
        let unread = self.unread_counts(user, &conversation_ids).await?;

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

    async fn memberships_of(&self, user: UserId) -> Result<Vec<ConversationId>, RepositoryError> {
        let ids: Vec<Uuid> = members::Entity::find()
            .select_only()
            .column(members::Column::ConversationId)
            .filter(members::Column::UserId.eq(user.as_uuid()))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(ids.into_iter().map(ConversationId::from_uuid).collect())
    }

    async fn rename(
        &self,
        id: ConversationId,
        actor: UserId,
        name: &ConversationName,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = rename_in(&txn, id, actor, name, now).await;
        finish(txn, result).await
    }

    async fn delete(&self, id: ConversationId) -> Result<Vec<UserId>, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = delete_in(&txn, id).await;
        finish(txn, result).await
    }

    async fn add_members(
        &self,
        id: ConversationId,
        actor: UserId,
        users: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<Vec<ConversationEvent>, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = add_members_in(&txn, id, actor, users, now).await;
        finish(txn, result).await
    }

    async fn set_member_role(
        &self,
        id: ConversationId,
        actor: UserId,
        user: UserId,
        role: MemberRole,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = set_role_in(&txn, id, actor, user, role, now).await;
        finish(txn, result).await
    }

    async fn remove_member(
        &self,
        id: ConversationId,
        actor: UserId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Departure, RepositoryError> {
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = remove_member_in(&txn, id, actor, user, now).await;
        finish(txn, result).await
    }

    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: i64,
    ) -> Result<i64, RepositoryError> {
        let key = (id.as_uuid(), user.as_uuid());
        members::Entity::update_many()
            .col_expr(members::Column::LastReadSeq, Expr::value(seq))
            .filter(members::Column::ConversationId.eq(key.0))
            .filter(members::Column::UserId.eq(key.1))
            .filter(members::Column::LastReadSeq.lt(seq))
            .exec(&self.db)
            .await
            .map_err(map_db_err)?;
        members::Entity::find_by_id(key)
            .select_only()
            .column(members::Column::LastReadSeq)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .ok_or(RepositoryError::NotFound)
    }

    async fn list_events(
        &self,
        id: ConversationId,
        after_seq: i64,
        limit: u64,
    ) -> Result<Vec<ConversationEvent>, RepositoryError> {
        // One snapshot for the events and the rows they name, so that a deletion landing
        // between the queries cannot show half a conversation. PostgreSQL gives a snapshot
        // per statement unless asked for REPEATABLE READ; MySQL's default is that already;
        // a SQLite read transaction keeps its snapshot (and takes no settings).
        let txn = match self.db.get_database_backend() {
            DbBackend::Sqlite => self.db.begin().await,
            _ => {
                self.db
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await
            }
        }
        .map_err(map_db_err)?;
        let result = load_events(&txn, id, after_seq, limit).await;
        finish(txn, result).await
    }
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
    .map_err(map_write_err)?;
    members::Entity::insert_many(members.iter().map(member_to_row))
        .exec_without_returning(txn)
        .await
        .map_err(map_write_err)?;
    u32::try_from(members.len()).map_err(RepositoryError::unexpected)
}

async fn member_ids_in(
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
    require_owner_or_admin(
        txn,
        id,
        actor,
        "only the owner and admins may rename a conversation",
    )
    .await?;
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

/// Checks the actor's role; call it under the conversation's lock. `NotFound` if they are
/// not a member, `Forbidden(refusal)` unless they are its owner or an admin.
async fn require_owner_or_admin(
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
