use sea_orm::entity::prelude::*;

/// PostgreSQL adds a generated `search` column for full-text search; it is never read or
/// written through this entity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub seq: i64,
    pub sender_id: Option<Uuid>,
    /// `user` or `bot`: the sender's kind, stored with the message.
    pub sender_kind: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub content: Option<String>,
    pub reply_to_id: Option<Uuid>,
    pub client_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub thread_root_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
