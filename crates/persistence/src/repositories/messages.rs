use super::appends::GroupCommit;
use super::attachment_loader::load_attachments;
use super::mentions::replace_mentions;
use super::message_marks::{self, Change, clear_marks};
use super::message_reads;
use super::message_search::search_statement;
use super::search_backlog::index_backlog;
use crate::annotations::{annotate, annotate_one};
use crate::announcer::EventAnnouncer;
use crate::database::Database;
use crate::entities::{attachments, messages};
use crate::error::{discard, finish, map_db_err};
use crate::event_log::{log_event, next_seq};
use crate::mapping::message_from_row;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    ClientId, ConversationEvent, ConversationId, EmojiKey, EventPayload, Message, MessageContent,
    MessageId, NewMessage, Pin,
};
use palaver_domain::ports::{MessagePage, MessageRepository, SearchFilters, SeqWindow};
use palaver_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub struct SqlMessageRepository {
    db: DatabaseConnection,
    appends: GroupCommit,
    announcer: Arc<EventAnnouncer>,
}

impl SqlMessageRepository {
    /// Starts the writer that group-commits appends on the current tokio runtime; outside
    /// one, each append is written in a transaction of its own. Committed appends are
    /// announced to no one (see [`Self::announcing_to`]).
    pub fn new(database: &Database) -> Self {
        Self::announcing_to(database, EventAnnouncer::silent())
    }

    /// Like [`Self::new`], and every event this repository logs (a new message, an edit,
    /// a delete) is announced through `announcer` right after its commit, in seq order
    /// per conversation: the writer's batches and the edits and deletes alike.
    pub fn announcing_to(database: &Database, announcer: Arc<EventAnnouncer>) -> Self {
        Self {
            db: database.connection.clone(),
            appends: GroupCommit::start(
                database.connection.clone(),
                database.writer.clone(),
                announcer.clone(),
            ),
            announcer,
        }
    }

    /// Writes these appends as one batch, as the writer does with the appends it finds
    /// waiting (at most a few hundred at a time): each gets what
    /// [`MessageRepository::append`] alone would have answered, in order.
    pub async fn append_batch(
        &self,
        appends: &[(NewMessage, DateTime<Utc>)],
    ) -> Vec<Result<ConversationEvent, RepositoryError>> {
        self.appends.write_now_batch(appends).await
    }

    async fn find_row(&self, id: MessageId) -> Result<Option<messages::Model>, RepositoryError> {
        messages::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(map_db_err)
    }
}

#[async_trait]
impl MessageRepository for SqlMessageRepository {
    async fn find(&self, id: MessageId) -> Result<Option<Message>, RepositoryError> {
        let mut found = self.find_row(id).await?.map(message_from_row).transpose()?;
        load_attachments(&self.db, found.as_mut()).await?;
        match found {
            Some(message) => annotate_one(&self.db, message).await.map(Some),
            None => Ok(None),
        }
    }

    async fn find_by_client_id(
        &self,
        sender: UserId,
        client_id: &ClientId,
    ) -> Result<Option<Message>, RepositoryError> {
        let mut found = messages::Entity::find()
            .filter(messages::Column::SenderId.eq(sender.as_uuid()))
            .filter(messages::Column::ClientId.eq(client_id.as_str()))
            .one(&self.db)
            .await
            .map_err(map_db_err)?
            .map(message_from_row)
            .transpose()?;
        load_attachments(&self.db, found.as_mut()).await?;
        match found {
            Some(message) => annotate_one(&self.db, message).await.map(Some),
            None => Ok(None),
        }
    }

    async fn append(
        &self,
        message: &NewMessage,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        self.appends.append(message, now).await
    }

    async fn list(
        &self,
        conversation: ConversationId,
        window: SeqWindow,
        limit: u64,
    ) -> Result<MessagePage, RepositoryError> {
        use messages::Column::Seq;
        let query = messages::Entity::find()
            .filter(messages::Column::ConversationId.eq(conversation.as_uuid()));
        // Read in the direction of the window, one more than asked to learn whether more lie
        // beyond; a page read backwards is turned round before it is returned.
        let (query, backwards) = match window {
            SeqWindow::Newest => (query.order_by_desc(Seq), true),
            SeqWindow::Before(seq) => (query.filter(Seq.lt(seq)).order_by_desc(Seq), true),
            SeqWindow::After(seq) => (query.filter(Seq.gt(seq)).order_by_asc(Seq), false),
            SeqWindow::Between(low, high) => (
                query
                    .filter(Seq.gt(low))
                    .filter(Seq.lt(high))
                    .order_by_asc(Seq),
                false,
            ),
        };
        let mut rows = query
            .limit(limit.saturating_add(1))
            .all(&self.db)
            .await
            .map_err(map_db_err)?;
        let has_more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        if backwards {
            rows.reverse();
        }
        let mut messages: Vec<Message> = rows
            .into_iter()
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        load_attachments(&self.db, messages.iter_mut()).await?;
        annotate(&self.db, &mut messages).await?;
        Ok(MessagePage { messages, has_more })
    }

    async fn edit(
        &self,
        id: MessageId,
        content: &MessageContent,
        mentions: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        let row = self.find_row(id).await?.ok_or(RepositoryError::NotFound)?;
        let conversation = ConversationId::from_uuid(row.conversation_id);
        let turn = self.announcer.turn(conversation).await;
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = edit_in(&txn, conversation, id, content, mentions, now).await;
        let event = finish(txn, result).await?;
        turn.announce([&event]);
        Ok(event)
    }

    async fn delete(
        &self,
        id: MessageId,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError> {
        let row = self.find_row(id).await?.ok_or(RepositoryError::NotFound)?;
        if row.deleted_at.is_some() {
            return Ok(None);
        }
        let conversation = ConversationId::from_uuid(row.conversation_id);
        let turn = self.announcer.turn(conversation).await;
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let deleted = match delete_in(&txn, conversation, id, now).await {
            // Someone else deleted it meanwhile: give the seq back.
            Ok(None) => {
                discard(txn).await;
                None
            }
            result => finish(txn, result).await?,
        };
        turn.announce(&deleted);
        Ok(deleted)
    }

    async fn search(
        &self,
        user: UserId,
        text: &str,
        filters: &SearchFilters,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Message>, RepositoryError> {
        let backend = self.db.get_database_backend();
        let Some(statement) = search_statement(backend, user, text, filters, offset, limit) else {
            return Ok(Vec::new());
        };
        // Every message committed before the search began is found.
        index_backlog(&self.db).await?;
        let ranked: Vec<Uuid> = self
            .db
            .query_all_raw(statement)
            .await
            .map_err(map_db_err)?
            .iter()
            .map(|row| row.try_get("", "id"))
            .collect::<Result<_, _>>()
            .map_err(map_db_err)?;
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: HashMap<Uuid, messages::Model> = messages::Entity::find()
            .filter(messages::Column::Id.is_in(ranked.iter().copied()))
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        // In rank order; one deleted between the two queries is simply left out.
        let mut messages: Vec<Message> = ranked
            .iter()
            .filter_map(|id| found.remove(id))
            .filter(|row| row.deleted_at.is_none())
            .map(message_from_row)
            .collect::<Result<_, _>>()?;
        load_attachments(&self.db, messages.iter_mut()).await?;
        annotate(&self.db, &mut messages).await?;
        Ok(messages)
    }

    async fn react(
        &self,
        message: MessageId,
        user: UserId,
        emoji: &EmojiKey,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError> {
        message_marks::react(
            &self.db,
            &self.announcer,
            message,
            user,
            emoji,
            Change::Add,
            now,
        )
        .await
    }

    async fn unreact(
        &self,
        message: MessageId,
        user: UserId,
        emoji: &EmojiKey,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError> {
        message_marks::react(
            &self.db,
            &self.announcer,
            message,
            user,
            emoji,
            Change::Remove,
            now,
        )
        .await
    }

    async fn pin(
        &self,
        message: MessageId,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError> {
        message_marks::pin(&self.db, &self.announcer, message, actor, Change::Add, now).await
    }

    async fn unpin(
        &self,
        message: MessageId,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError> {
        message_marks::pin(
            &self.db,
            &self.announcer,
            message,
            actor,
            Change::Remove,
            now,
        )
        .await
    }

    async fn pins(&self, conversation: ConversationId) -> Result<Vec<Pin>, RepositoryError> {
        message_reads::pins(&self.db, conversation).await
    }

    async fn thread(
        &self,
        root: MessageId,
        after_seq: i64,
        limit: u64,
    ) -> Result<MessagePage, RepositoryError> {
        message_reads::thread(&self.db, root, after_seq, limit).await
    }
}

async fn edit_in(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    id: MessageId,
    content: &MessageContent,
    mentions: &[UserId],
    now: DateTime<Utc>,
) -> Result<ConversationEvent, RepositoryError> {
    let seq = next_seq(txn, conversation, now).await?;
    let edited = messages::Entity::update_many()
        .col_expr(messages::Column::Content, Expr::value(content.as_str()))
        .col_expr(messages::Column::EditedAt, Expr::value(now))
        .filter(messages::Column::Id.eq(id.as_uuid()))
        .filter(messages::Column::DeletedAt.is_null())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if edited.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    replace_mentions(txn, id, mentions).await?;
    let mut message = messages::Entity::find_by_id(id.as_uuid())
        .one(txn)
        .await
        .map_err(map_db_err)?
        .map(message_from_row)
        .transpose()?
        .ok_or(RepositoryError::NotFound)?;
    load_attachments(txn, std::iter::once(&mut message)).await?;
    let message = annotate_one(txn, message).await?;
    log_event(
        txn,
        conversation,
        seq,
        now,
        EventPayload::MessageUpdated { message },
    )
    .await
}

/// `None` if it was deleted already (the caller then rolls back).
async fn delete_in(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    id: MessageId,
    now: DateTime<Utc>,
) -> Result<Option<ConversationEvent>, RepositoryError> {
    let seq = next_seq(txn, conversation, now).await?;
    let deleted = messages::Entity::update_many()
        .col_expr(
            messages::Column::Content,
            Expr::value(Option::<String>::None),
        )
        .col_expr(messages::Column::DeletedAt, Expr::value(now))
        .filter(messages::Column::Id.eq(id.as_uuid()))
        .filter(messages::Column::DeletedAt.is_null())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if deleted.rows_affected == 0 {
        return Ok(None);
    }
    // Its attachments go with it: unreadable from now on, their objects removed after the
    // commit (and by the collector, should that fail).
    attachments::Entity::update_many()
        .col_expr(attachments::Column::DeletedAt, Expr::value(now))
        .filter(attachments::Column::MessageId.eq(id.as_uuid()))
        .filter(attachments::Column::DeletedAt.is_null())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    clear_marks(txn, id).await?;
    let payload = EventPayload::MessageDeleted { message_id: id };
    log_event(txn, conversation, seq, now, payload)
        .await
        .map(Some)
}
