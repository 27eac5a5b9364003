//! Conversions between attachment rows and the domain's attachments.

use crate::entities::attachments;
use crate::error::corrupt;
use palaver_domain::RepositoryError;
use palaver_domain::attachment::{
    Attachment, AttachmentId, ContentType, FileName, ObjectKey, Sha256Hex,
};
use palaver_domain::conversation::MessageId;
use palaver_domain::user::UserId;
use sea_orm::ActiveValue::Set;

pub fn attachment_from_row(row: attachments::Model) -> Result<Attachment, RepositoryError> {
    let bad = |e| corrupt("attachments", e);
    let dimension = |value: Option<i32>| {
        value
            .map(u32::try_from)
            .transpose()
            .map_err(|e| corrupt("attachments", e))
    };
    Ok(Attachment {
        id: AttachmentId::from_uuid(row.id),
        uploader_id: row.uploader_id.map(UserId::from_uuid),
        filename: FileName::parse(&row.filename).map_err(bad)?,
        content_type: ContentType::parse(&row.content_type).map_err(bad)?,
        size: u64::try_from(row.size).map_err(|e| corrupt("attachments", e))?,
        sha256: Sha256Hex::parse(&row.sha256).map_err(bad)?,
        width: dimension(row.width)?,
        height: dimension(row.height)?,
        storage_key: ObjectKey::parse(&row.storage_key).map_err(bad)?,
        thumbnail_key: row
            .thumbnail_key
            .as_deref()
            .map(ObjectKey::parse)
            .transpose()
            .map_err(bad)?,
        message_id: row.message_id.map(MessageId::from_uuid),
        created_at: row.created_at,
    })
}

pub fn attachment_to_row(attachment: &Attachment) -> attachments::ActiveModel {
    let dimension = |value: Option<u32>| value.and_then(|v| i32::try_from(v).ok());
    attachments::ActiveModel {
        id: Set(attachment.id.as_uuid()),
        uploader_id: Set(attachment.uploader_id.map(|id| id.as_uuid())),
        filename: Set(attachment.filename.as_str().to_owned()),
        content_type: Set(attachment.content_type.as_str().to_owned()),
        size: Set(i64::try_from(attachment.size).unwrap_or(i64::MAX)),
        sha256: Set(attachment.sha256.as_str().to_owned()),
        width: Set(dimension(attachment.width)),
        height: Set(dimension(attachment.height)),
        storage_key: Set(attachment.storage_key.as_str().to_owned()),
        thumbnail_key: Set(attachment
            .thumbnail_key
            .as_ref()
            .map(|k| k.as_str().to_owned())),
        message_id: Set(attachment.message_id.map(|id| id.as_uuid())),
        created_at: Set(attachment.created_at),
        deleted_at: Set(None),
    }
}
