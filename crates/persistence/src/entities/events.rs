use sea_orm::entity::prelude::*;

/// One entry of a conversation's log. It refers to rows (a message, a user) rather than
/// copying them, so a payload is read as the rows stand now.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub conversation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub kind: String,
    pub message_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub role: Option<String>,
    /// The emoji of a reaction event.
    pub emoji: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
