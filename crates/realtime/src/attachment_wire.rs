//! The JSON shape of an attachment, as API.md fixes it: alone over REST and inside every
//! message that carries it.

use crate::wire::rfc3339;
use chrono::{DateTime, Utc};
use palaver_domain::attachment::Attachment;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentResponse {
    pub id: Uuid,
    /// As the uploader sent it.
    pub filename: String,
    /// Sniffed from the bytes.
    pub content_type: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes; also the download's `ETag`.
    pub sha256: String,
    /// `null` once the uploader's account is deleted.
    pub uploader_id: Option<Uuid>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Images only.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Whether `GET /api/attachments/{id}/thumbnail` has one.
    pub has_thumbnail: bool,
}

impl From<Attachment> for AttachmentResponse {
    fn from(attachment: Attachment) -> Self {
        Self {
            id: attachment.id.as_uuid(),
            has_thumbnail: attachment.has_thumbnail(),
            filename: attachment.filename.as_str().to_owned(),
            content_type: attachment.content_type.as_str().to_owned(),
            size: attachment.size,
            sha256: attachment.sha256.as_str().to_owned(),
            uploader_id: attachment.uploader_id.map(|id| id.as_uuid()),
            created_at: attachment.created_at,
            width: attachment.width,
            height: attachment.height,
        }
    }
}
