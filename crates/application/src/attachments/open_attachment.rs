use super::storage_failure;
use crate::ApplicationError;
use palaver_domain::attachment::{Attachment, AttachmentId, ByteRange, RangeRequest};
use palaver_domain::auth::Actor;
use palaver_domain::ports::{AttachmentRepository, ByteStream, ObjectStorage};
use std::sync::Arc;

/// Which object of an attachment to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Content,
    /// Images only; `NotFound` for other files.
    Thumbnail,
}

/// Bytes on their way to the client.
pub struct Download {
    pub attachment: Attachment,
    /// The part of the content sent (206), or `None` for the whole of it.
    pub range: Option<ByteRange>,
    /// The bytes the body holds.
    pub length: u64,
    /// The whole object's size.
    pub total: u64,
    pub body: ByteStream,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The `Range` names no byte of the content (416).
    #[error("the range is not satisfiable: the content has {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    #[error(transparent)]
    Failed(#[from] ApplicationError),
}

/// Streams an attachment's content (or a range of it) or its thumbnail to someone allowed
/// to see it (see [`super::GetAttachment`]).
pub struct OpenAttachment {
    attachments: Arc<dyn AttachmentRepository>,
    storage: Arc<dyn ObjectStorage>,
}

impl OpenAttachment {
    pub fn new(
        attachments: Arc<dyn AttachmentRepository>,
        storage: Arc<dyn ObjectStorage>,
    ) -> Self {
        Self {
            attachments,
            storage,
        }
    }

    pub async fn execute(
        &self,
        actor: &Actor,
        id: AttachmentId,
        part: Part,
        range: Option<RangeRequest>,
    ) -> Result<Download, DownloadError> {
        let attachment = self
            .attachments
            .find_for_reader(id, actor.user_id)
            .await
            .map_err(ApplicationError::from)?
            .ok_or(ApplicationError::NotFound("attachment"))?;
        let (key, total, range) = match part {
            Part::Content => {
                let range = match range {
                    None => None,
                    Some(asked) => Some(asked.resolve(attachment.size).ok_or(
                        DownloadError::RangeNotSatisfiable {
                            size: attachment.size,
                        },
                    )?),
                };
                (attachment.storage_key.clone(), attachment.size, range)
            }
            Part::Thumbnail => {
                let key = attachment
                    .thumbnail_key
                    .clone()
                    .ok_or(ApplicationError::NotFound("thumbnail"))?;
                let total = self.storage.head(&key).await.map_err(storage_failure)?;
                (key, total, None)
            }
        };
        let body = self
            .storage
            .get(&key, range)
            .await
            .map_err(storage_failure)?;
        Ok(Download {
            attachment,
            length: range.map_or(total, |r| r.len()),
            total,
            range,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attachments::upload_attachment::tests::attachment_of;
    use crate::test_support::*;
    use futures_util::StreamExt;
    use palaver_domain::ports::{MockAttachmentRepository, MockObjectStorage};

    fn opener(stored: Attachment, storage: MockObjectStorage) -> OpenAttachment {
        let mut attachments = MockAttachmentRepository::new();
        attachments
            .expect_find_for_reader()
            .returning(move |_, _| Ok(Some(stored.clone())));
        OpenAttachment::new(Arc::new(attachments), Arc::new(storage))
    }

    #[tokio::test]
    async fn a_range_is_resolved_against_the_size_before_storage_is_asked() {
        let ann = user("ann");
        let stored = attachment_of(&ann); // 100 bytes
        let mut storage = MockObjectStorage::new();
        storage
            .expect_get()
            .withf(|_, range| *range == Some(ByteRange { start: 90, end: 99 }))
            .times(1)
            .returning(|_, _| Ok(futures_util::stream::empty().boxed()));
        let open = opener(stored.clone(), storage);
        let download = open
            .execute(
                &actor_for(&ann),
                stored.id,
                Part::Content,
                Some(RangeRequest::From {
                    start: 90,
                    end: Some(500),
                }),
            )
            .await
            .unwrap();
        assert_eq!((download.length, download.total), (10, 100));
        assert!(matches!(
            open.execute(
                &actor_for(&ann),
                stored.id,
                Part::Content,
                Some(RangeRequest::From {
                    start: 100,
                    end: None
                }),
            )
            .await,
            Err(DownloadError::RangeNotSatisfiable { size: 100 })
        ));
    }

    #[tokio::test]
    async fn a_file_without_a_thumbnail_has_none_to_give() {
        let ann = user("ann");
        let stored = attachment_of(&ann);
        let open = opener(stored.clone(), MockObjectStorage::new());
        assert!(matches!(
            open.execute(&actor_for(&ann), stored.id, Part::Thumbnail, None)
                .await,
            Err(DownloadError::Failed(ApplicationError::NotFound(
                "thumbnail"
            )))
        ));
    }
}
