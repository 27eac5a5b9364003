use crate::database::Database;
use crate::entities::{attachments, conversation_members as members, messages};
use crate::error::map_db_err;
use crate::event_log::IDS_PER_QUERY;
use crate::mapping::{attachment_from_row, attachment_to_row};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::attachment::{Attachment, AttachmentId};
use palaver_domain::conversation::MessageId;
use palaver_domain::ports::AttachmentRepository;
use palaver_domain::user::UserId;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

pub struct SqlAttachmentRepository {
    db: DatabaseConnection,
}

impl SqlAttachmentRepository {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }

    /// Whether `reader` belongs to the conversation of `message`, which is not deleted.
    async fn reads_message(&self, message: Uuid, reader: UserId) -> Result<bool, RepositoryError> {
        let found: Option<(Uuid, Option<DateTime<Utc>>)> = messages::Entity::find_by_id(message)
            .select_only()
            .column(messages::Column::ConversationId)
            .column(messages::Column::DeletedAt)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(map_db_err)?;
        let Some((conversation, None)) = found else {
            return Ok(false);
        };
        let memberships = members::Entity::find()
            .filter(members::Column::ConversationId.eq(conversation))
            .filter(members::Column::UserId.eq(reader.as_uuid()))
            .count(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(memberships > 0)
    }
}

#[async_trait]
impl AttachmentRepository for SqlAttachmentRepository {
    async fn insert(&self, attachment: &Attachment) -> Result<(), RepositoryError> {
        attachments::Entity::insert(attachment_to_row(attachment))
            .exec_without_returning(&self.db)
            .await
            .map_err(map_db_err)?;
        Ok(())
    }

    async fn find_for_reader(
        &self,
        id: AttachmentId,
        reader: UserId,
    ) -> Result<Option<Attachment>, RepositoryError> {
        let Some(row) = attachments::Entity::find_by_id(id.as_uuid())
            .filter(attachments::Column::DeletedAt.is_null())
            .one(&self.db)
            .await
            .map_err(map_db_err)?
        else {
            return Ok(None);
        };
        let readable = row.uploader_id == Some(reader.as_uuid())
            || match row.message_id {
                Some(message) => self.reads_message(message, reader).await?,
                None => false,
            };
        if !readable {
            return Ok(None);
        }
        attachment_from_row(row).map(Some)
    }

    async fn find_many(&self, ids: &[AttachmentId]) -> Result<Vec<Attachment>, RepositoryError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let rows = attachments::Entity::find()
                .filter(attachments::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
                .filter(attachments::Column::DeletedAt.is_null())
                .all(&self.db)
                .await
                .map_err(map_db_err)?;
            for row in rows {
                found.push(attachment_from_row(row)?);
            }
        }
        Ok(found)
    }

    async fn collectable(
        &self,
        unposted_before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Attachment>, RepositoryError> {
        attachments::Entity::find()
            .filter(
                Condition::any()
                    .add(attachments::Column::DeletedAt.is_not_null())
                    .add(
                        Condition::all()
                            .add(attachments::Column::MessageId.is_null())
                            .add(attachments::Column::CreatedAt.lt(unposted_before)),
                    ),
            )
            .order_by_asc(attachments::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(attachment_from_row)
            .collect()
    }

    async fn deleted_of_message(
        &self,
        message: MessageId,
    ) -> Result<Vec<Attachment>, RepositoryError> {
        attachments::Entity::find()
            .filter(attachments::Column::MessageId.eq(message.as_uuid()))
            .filter(attachments::Column::DeletedAt.is_not_null())
            .all(&self.db)
            .await
            .map_err(map_db_err)?
            .into_iter()
            .map(attachment_from_row)
            .collect()
    }

    async fn remove(&self, ids: &[AttachmentId]) -> Result<(), RepositoryError> {
        for chunk in ids.chunks(IDS_PER_QUERY) {
            attachments::Entity::delete_many()
                .filter(attachments::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
                .exec(&self.db)
                .await
                .map_err(map_db_err)?;
        }
        Ok(())
    }
}
