//! Single reads: a conversation, a membership, the event log; and moving a read marker.

use crate::entities::{conversation_members as members, conversations};
use crate::error::{finish, map_db_err};
use crate::event_log::load_events;
use crate::mapping::{conversation_from_row, member_from_row};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{Conversation, ConversationEvent, ConversationId, Member};
use palaver_domain::user::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IsolationLevel,
    QueryFilter, QuerySelect, TransactionTrait,
};

pub(super) async fn find(
    db: &DatabaseConnection,
    id: ConversationId,
) -> Result<Option<Conversation>, RepositoryError> {
    conversations::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await
        .map_err(map_db_err)?
        .map(conversation_from_row)
        .transpose()
}

pub(super) async fn find_member(
    db: &DatabaseConnection,
    id: ConversationId,
    user: UserId,
) -> Result<Option<Member>, RepositoryError> {
    members::Entity::find_by_id((id.as_uuid(), user.as_uuid()))
        .one(db)
        .await
        .map_err(map_db_err)?
        .map(member_from_row)
        .transpose()
}

pub(super) async fn mark_read(
    db: &DatabaseConnection,
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
        .exec(db)
        .await
        .map_err(map_db_err)?;
    members::Entity::find_by_id(key)
        .select_only()
        .column(members::Column::LastReadSeq)
        .into_tuple()
        .one(db)
        .await
        .map_err(map_db_err)?
        .ok_or(RepositoryError::NotFound)
}

pub(super) async fn list_events(
    db: &DatabaseConnection,
    id: ConversationId,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<ConversationEvent>, RepositoryError> {
    // One snapshot for the events and the rows they name, so that a deletion landing
    // between the queries cannot show half a conversation. PostgreSQL gives a snapshot
    // per statement unless asked for REPEATABLE READ; MySQL's default is that already;
    // a SQLite read transaction keeps its snapshot (and takes no settings).
    let txn = match db.get_database_backend() {
        DbBackend::Sqlite => db.begin().await,
        _ => {
            db.begin_with_config(
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
