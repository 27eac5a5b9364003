use super::appends::GroupCommit;
use crate::announcer::EventAnnouncer;
use super::attachment_loader::load_attachments;
use crate::database::Database;
use crate::entities::{attachments, messages};
use crate::error::{discard, finish, map_db_err};
use crate::event_log::{log_event, next_seq};
use crate::mapping::message_from_row;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    ClientId, ConversationEvent, ConversationId, EventPayload, Message, MessageContent, MessageId,
    NewMessage,
};
use palaver_domain::ports::{MessagePage, MessageRepository, SeqWindow};
use palaver_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionTrait, Value,
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
            appends: GroupCommit::start(database.connection.clone(), announcer.clone()),
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
        Ok(found)
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
        Ok(found)
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
        Ok(MessagePage { messages, has_more })
    }

    async fn edit(
        &self,
        id: MessageId,
        content: &MessageContent,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError> {
        let row = self.find_row(id).await?.ok_or(RepositoryError::NotFound)?;
        let conversation = ConversationId::from_uuid(row.conversation_id);
        let turn = self.announcer.turn(conversation).await;
        let txn = self.db.begin().await.map_err(map_db_err)?;
        let result = edit_in(&txn, conversation, id, content, now).await;
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
        conversation: Option<ConversationId>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Message>, RepositoryError> {
        let backend = self.db.get_database_backend();
        let Some(statement) = search_statement(backend, user, text, conversation, offset, limit)
        else {
            return Ok(Vec::new());
        };
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
        Ok(messages)
    }
}

async fn edit_in(
    txn: &impl ConnectionTrait,
    conversation: ConversationId,
    id: MessageId,
    content: &MessageContent,
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
    let mut message = messages::Entity::find_by_id(id.as_uuid())
        .one(txn)
        .await
        .map_err(map_db_err)?
        .map(message_from_row)
        .transpose()?
        .ok_or(RepositoryError::NotFound)?;
    load_attachments(txn, std::iter::once(&mut message)).await?;
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
    let payload = EventPayload::MessageDeleted { message_id: id };
    log_event(txn, conversation, seq, now, payload)
        .await
        .map(Some)
}

/// The text as an FTS5 query: each term quoted (inner quotes doubled), all of them
/// required. Terms are split at whitespace and at control characters, which FTS5's parser
/// cannot take even quoted (a NUL ends its string). Terms without a letter or digit would
/// match nothing and are dropped, as PostgreSQL and MySQL drop them; `None` when no term
/// is left.
fn fts5_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|term| term.chars().any(char::is_alphanumeric))
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// InnoDB's default stopwords: its FULLTEXT index leaves them out, so requiring one would
/// match nothing.
const INNODB_STOPWORDS: &[&str] = &[
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how",
    "i", "in", "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "und", "was",
    "what", "when", "where", "who", "will", "with", "www",
];

/// The text as MySQL full-text queries: every term required in boolean mode (all words
/// must match, as on the other backends), and the same terms plain for natural-language
/// relevance. Terms are the runs of letters and digits, so none of boolean mode's
/// operators (`+-<>()~*"@`) ever reaches the server. Words InnoDB does not index (shorter
/// than its minimum token size of 3, longer than its maximum of 84, or stopwords) are
/// left out, as natural-language mode leaves them out, rather than required and never
/// found. `None` when no term is left.
fn mysql_terms(text: &str) -> Option<(String, String)> {
    let terms: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|term| (3..=84).contains(&term.chars().count()))
        .filter(|term| !INNODB_STOPWORDS.contains(&term.to_lowercase().as_str()))
        .collect();
    if terms.is_empty() {
        return None;
    }
    let required: Vec<String> = terms.iter().map(|term| format!("+{term}")).collect();
    Some((required.join(" "), terms.join(" ")))
}

/// The ids of the matching messages, best first, with the database's own full-text index:
/// FTS5 with bm25 on SQLite, a tsvector with ts_rank on PostgreSQL, a FULLTEXT index on
/// MySQL (boolean mode, ranked by natural-language relevance). Every backend requires all
/// the words. Only undeleted messages of conversations `user` belongs to.
/// `None` when the text has nothing to search for.
fn search_statement(
    backend: DbBackend,
    user: UserId,
    text: &str,
    conversation: Option<ConversationId>,
    offset: u64,
    limit: u64,
) -> Option<Statement> {
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    // Literals, not parameters: MySQL wants integers there, and these are integers.
    let (offset, limit) = (offset.min(i64::MAX as u64), limit.min(i64::MAX as u64));
    let user: Value = user.as_uuid().into();
    let conversation: Option<Value> = conversation.map(|c| c.as_uuid().into());
    let mut values = Vec::new();
    let sql = match backend {
        DbBackend::Sqlite => {
            values.push(fts5_query(text)?.into());
            values.push(user);
            let only = conversation.map_or("", |c| {
                values.push(c);
                "AND m.conversation_id = ? "
            });
            format!(
                "SELECT m.id AS id FROM messages_fts \
                 JOIN messages_search_keys k ON k.id = messages_fts.rowid \
                 JOIN messages m ON m.id = k.message_id \
                 JOIN conversation_members cm ON cm.conversation_id = m.conversation_id \
                 WHERE messages_fts MATCH ? AND cm.user_id = ? AND m.deleted_at IS NULL {only}\
                 ORDER BY bm25(messages_fts), m.created_at DESC, m.id DESC \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
        DbBackend::Postgres => {
            values.push(user);
            values.push(text.into());
            let only = conversation.map_or("", |c| {
                values.push(c);
                "AND m.conversation_id = $3 "
            });
            format!(
                "SELECT m.id AS id FROM messages m \
                 JOIN conversation_members cm \
                   ON cm.conversation_id = m.conversation_id AND cm.user_id = $1 \
                 WHERE m.search @@ plainto_tsquery('simple', $2) AND m.deleted_at IS NULL {only}\
                 ORDER BY ts_rank(m.search, plainto_tsquery('simple', $2)) DESC, \
                   m.created_at DESC, m.id DESC \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
        _ => {
            let (required, ranked) = mysql_terms(text)?;
            values.push(user);
            values.push(required.into());
            let only = conversation.map_or("", |c| {
                values.push(c);
                "AND m.conversation_id = ? "
            });
            values.push(ranked.into());
            format!(
                "SELECT m.id AS id FROM messages m \
                 JOIN conversation_members cm \
                   ON cm.conversation_id = m.conversation_id AND cm.user_id = ? \
                 WHERE MATCH (m.content) AGAINST (? IN BOOLEAN MODE) \
                   AND m.deleted_at IS NULL {only}\
                 ORDER BY MATCH (m.content) AGAINST (? IN NATURAL LANGUAGE MODE) DESC, \
                   m.created_at DESC, m.id DESC \
                 LIMIT {limit} OFFSET {offset}"
            )
        }
    };
    Some(Statement::from_sql_and_values(backend, sql, values))
}

#[cfg(test)]
mod tests {
    use super::{fts5_query, mysql_terms};

    fn terms(required: &str, ranked: &str) -> Option<(String, String)> {
        Some((required.to_owned(), ranked.to_owned()))
    }

    #[test]
    fn mysql_terms_are_required_words_without_operators() {
        assert_eq!(
            mysql_terms("pineapple  smoothie"),
            terms("+pineapple +smoothie", "pineapple smoothie")
        );
        assert_eq!(
            mysql_terms("+foo -bar* \"baz qux\" (quux) ~corge <grault> @3 Crème brûlée"),
            terms(
                "+foo +bar +baz +qux +quux +corge +grault +Crème +brûlée",
                "foo bar baz qux quux corge grault Crème brûlée"
            )
        );
        assert_eq!(
            mysql_terms("The mango is ok, été"),
            terms("+mango +été", "mango été")
        );
        assert_eq!(mysql_terms("the of ok"), None);
        assert_eq!(mysql_terms("!!! +-<>()~*\"@"), None);
        assert_eq!(mysql_terms(""), None);
    }

    #[test]
    fn fts5_terms_are_quoted_and_all_required() {
        assert_eq!(
            fts5_query("  hello   wor\"ld ").as_deref(),
            Some("\"hello\" AND \"wor\"\"ld\"")
        );
        assert_eq!(
            fts5_query("NEAR(a b) OR *").as_deref(),
            Some("\"NEAR(a\" AND \"b)\" AND \"OR\"")
        );
        assert_eq!(fts5_query(" \t\n"), None);
        assert_eq!(
            fts5_query("a\0b \u{1}\"").as_deref(),
            Some("\"a\" AND \"b\"")
        );
        assert_eq!(fts5_query("!!! ..."), None);
    }
}
