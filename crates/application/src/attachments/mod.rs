//! Attachments: uploading to object storage, reading back (by those allowed), collecting
//! the ones never posted and those of deleted messages.

mod collect_attachments;
mod get_attachment;
mod open_attachment;
mod upload_attachment;

pub use collect_attachments::CollectAttachments;
pub use get_attachment::GetAttachment;
pub use open_attachment::{Download, DownloadError, OpenAttachment, Part};
pub use upload_attachment::{UploadAttachment, UploadError};

use crate::ApplicationError;
use palaver_domain::ports::StorageError;

/// A storage failure as the use-cases report it: `NotFound` for a missing object.
pub(crate) fn storage_failure(error: StorageError) -> ApplicationError {
    match error {
        StorageError::NotFound => ApplicationError::NotFound("attachment"),
        StorageError::Unavailable(source) => ApplicationError::Unavailable(source),
        StorageError::Body(source) | StorageError::Unexpected(source) => {
            ApplicationError::Unexpected(source)
        }
    }
}
