//! Linking a new message's attachments, inside the append's transaction.

use crate::entities::attachments;
use crate::error::map_db_err;
use palaver_domain::conversation::NewMessage;
use palaver_domain::{RepositoryError, Taken};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Posts the message's attachments with it: each must still be the sender's, not posted
/// and not deleted, or the item fails with `Conflict { field: Taken::Attachment }` (and is
/// rolled back). One statement per message that has attachments, none otherwise.
pub async fn link_attachments(
    txn: &impl ConnectionTrait,
    message: &NewMessage,
) -> Result<(), RepositoryError> {
    if message.attachments.is_empty() {
        return Ok(());
    }
    let linked = attachments::Entity::update_many()
        .col_expr(
            attachments::Column::MessageId,
            Expr::value(message.id.as_uuid()),
        )
        .filter(attachments::Column::Id.is_in(message.attachments.iter().map(|a| a.id.as_uuid())))
        .filter(attachments::Column::UploaderId.eq(message.sender_id.as_uuid()))
        .filter(attachments::Column::MessageId.is_null())
        .filter(attachments::Column::DeletedAt.is_null())
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if linked.rows_affected != message.attachments.len() as u64 {
        return Err(RepositoryError::Conflict {
            field: Taken::Attachment,
        });
    }
    Ok(())
}
