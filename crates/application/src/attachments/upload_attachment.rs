use super::storage_failure;
use crate::ApplicationError;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use palaver_domain::ValidationError;
use palaver_domain::attachment::{
    Attachment, AttachmentId, ContentType, FileName, ObjectKey, Sha256Hex,
};
use palaver_domain::auth::Actor;
use palaver_domain::error::{BoxError, Message};
use palaver_domain::ports::{
    AttachmentRepository, ByteStream, Clock, MediaInspector, ObjectStorage, SNIFF_BYTES,
    StorageError,
};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Over the limit: said by the client's length, or found while reading (413).
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error(transparent)]
    Failed(#[from] ApplicationError),
}

impl From<ValidationError> for UploadError {
    fn from(error: ValidationError) -> Self {
        Self::Failed(error.into())
    }
}

/// What is learnt of the bytes as they stream past, never holding more than the first
/// [`SNIFF_BYTES`] of them.
#[derive(Default)]
struct Tally {
    size: u64,
    sha256: Sha256,
    head: Vec<u8>,
    too_large: bool,
}

/// Uploads a file: streams it to object storage chunk by chunk (never whole in memory),
/// stopping as soon as it passes the size limit, hashing it on the way and sniffing its
/// type from its first bytes; an image also gets its dimensions and a thumbnail. The
/// attachment is the uploader's until it is posted with a message.
pub struct UploadAttachment {
    attachments: Arc<dyn AttachmentRepository>,
    storage: Arc<dyn ObjectStorage>,
    media: Arc<dyn MediaInspector>,
    clock: Arc<dyn Clock>,
    max_bytes: u64,
}

impl UploadAttachment {
    pub fn new(
        attachments: Arc<dyn AttachmentRepository>,
        storage: Arc<dyn ObjectStorage>,
        media: Arc<dyn MediaInspector>,
        clock: Arc<dyn Clock>,
        max_bytes: u64,
    ) -> Self {
        Self {
            attachments,
            storage,
            media,
            clock,
            max_bytes,
        }
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// `TooLarge` past `max_bytes` (nothing is stored); `Validation` on `file` for an
    /// empty file or an upload cut off.
    pub async fn execute(
        &self,
        actor: &Actor,
        filename: FileName,
        body: ByteStream,
    ) -> Result<Attachment, UploadError> {
        let id = AttachmentId::generate();
        let key = ObjectKey::for_attachment(id);
        let tally = Arc::new(Mutex::new(Tally::default()));
        let counted = count(body, tally.clone(), self.max_bytes);
        let stored = self.storage.put(&key, counted).await;
        let tally = std::mem::take(&mut *tally.lock().map_err(poisoned)?);
        match stored {
            Ok(_) => {}
            Err(StorageError::Body(_)) if tally.too_large => {
                return Err(UploadError::TooLarge {
                    limit: self.max_bytes,
                });
            }
            Err(StorageError::Body(error)) => {
                tracing::debug!(%error, "an upload was cut off");
                return Err(
                    ValidationError::new("file", "the upload ended before the file did").into(),
                );
            }
            Err(other) => return Err(storage_failure(other).into()),
        }
        if tally.size == 0 {
            self.forget(&[key]).await;
            return Err(ValidationError::new("file", "must not be empty").into());
        }
        let content_type = self.media.sniff(&tally.head);
        let mut attachment = Attachment {
            id,
            uploader_id: Some(actor.user_id),
            filename,
            content_type,
            size: tally.size,
            sha256: Sha256Hex::parse(&hex::encode(tally.sha256.finalize()))?,
            width: None,
            height: None,
            storage_key: key,
            thumbnail_key: None,
            message_id: None,
            created_at: self.clock.now(),
        };
        if attachment.content_type.is_thumbnailable_image() {
            self.add_thumbnail(&mut attachment).await;
        }
        if let Err(error) = self.attachments.insert(&attachment).await {
            self.forget(&attachment.object_keys()).await;
            return Err(ApplicationError::from(error).into());
        }
        Ok(attachment)
    }

    /// Reads the image back (it is at most `max_bytes`), decodes it within limits and
    /// stores its thumbnail; an image that does not decode is kept as a plain file.
    async fn add_thumbnail(&self, attachment: &mut Attachment) {
        let read = match self.storage.get(&attachment.storage_key, None).await {
            Ok(stream) => {
                stream
                    .try_fold(
                        Vec::with_capacity(usize::try_from(attachment.size).unwrap_or(0)),
                        |mut all, chunk| async move {
                            all.extend_from_slice(&chunk);
                            Ok(all)
                        },
                    )
                    .await
            }
            Err(error) => Err(Box::new(error) as BoxError),
        };
        let image = match read {
            Ok(image) => Bytes::from(image),
            Err(error) => {
                tracing::warn!(%error, "reading an image back for its thumbnail");
                return;
            }
        };
        let Some(thumbnail) = self.media.thumbnail(image).await else {
            // Not what it claimed to be: a plain file, with no dimensions.
            attachment.content_type = ContentType::octet_stream();
            return;
        };
        let key = ObjectKey::for_thumbnail(attachment.id);
        let png = futures_util::stream::once(async move { Ok::<_, BoxError>(thumbnail.png) });
        if let Err(error) = self.storage.put(&key, png.boxed()).await {
            tracing::warn!(%error, "storing a thumbnail");
            return;
        }
        attachment.width = Some(thumbnail.width);
        attachment.height = Some(thumbnail.height);
        attachment.thumbnail_key = Some(key);
    }

    /// Removes objects of an upload that did not make it; failures are the collector's.
    async fn forget(&self, keys: &[ObjectKey]) {
        for key in keys {
            if let Err(error) = self.storage.delete(key).await {
                tracing::warn!(%error, key = key.as_str(), "removing an abandoned upload");
            }
        }
    }
}

fn poisoned<T>(_: T) -> ApplicationError {
    ApplicationError::unexpected(Message("the upload tally was poisoned".into()))
}

/// The body, counted, hashed and sampled on its way to storage; it fails as soon as it
/// passes `max_bytes`, so storage stops reading it.
fn count(body: ByteStream, tally: Arc<Mutex<Tally>>, max_bytes: u64) -> ByteStream {
    body.map(move |chunk| {
        let chunk = chunk?;
        let mut tally = tally
            .lock()
            .map_err(|_| Box::new(Message("the upload tally was poisoned".into())) as BoxError)?;
        tally.size += chunk.len() as u64;
        if tally.size > max_bytes {
            tally.too_large = true;
            return Err(Box::new(Message(format!("more than {max_bytes} bytes"))) as BoxError);
        }
        tally.sha256.update(&chunk);
        let room = SNIFF_BYTES.saturating_sub(tally.head.len());
        if room > 0 {
            let take = room.min(chunk.len());
            tally.head.extend_from_slice(&chunk[..take]);
        }
        Ok(chunk)
    })
    .boxed()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockAttachmentRepository, MockMediaInspector, MockObjectStorage};
    use palaver_domain::user::User;

    /// A stored 100-byte text file of `uploader`'s, not posted.
    pub fn attachment_of(uploader: &User) -> Attachment {
        let id = AttachmentId::generate();
        Attachment {
            id,
            uploader_id: Some(uploader.id),
            filename: FileName::parse("notes.txt").unwrap(),
            content_type: ContentType::parse("text/plain").unwrap(),
            size: 100,
            sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
            width: None,
            height: None,
            storage_key: ObjectKey::for_attachment(id),
            thumbnail_key: None,
            message_id: None,
            created_at: now(),
        }
    }

    fn body(chunks: &[&'static [u8]]) -> ByteStream {
        futures_util::stream::iter(
            chunks
                .iter()
                .map(|c| Ok::<_, BoxError>(Bytes::from_static(c)))
                .collect::<Vec<_>>(),
        )
        .boxed()
    }

    /// A storage that drains what it is given, as a real one does, and answers as the body
    /// did.
    fn draining_storage(puts: usize, deletes: usize) -> MockObjectStorage {
        let mut storage = MockObjectStorage::new();
        storage.expect_put().times(puts).returning(|_, body| {
            // The test bodies are always ready: read them through at once.
            use futures_util::FutureExt;
            body.try_fold(0u64, |n, c| async move { Ok(n + c.len() as u64) })
                .now_or_never()
                .expect("a ready body")
                .map_err(StorageError::Body)
        });
        storage.expect_delete().times(deletes).returning(|_| Ok(()));
        storage
    }

    fn text_media() -> MockMediaInspector {
        let mut media = MockMediaInspector::new();
        media
            .expect_sniff()
            .returning(|_| ContentType::parse("text/plain").unwrap());
        media
    }

    fn uploader(storage: MockObjectStorage, inserts: usize, max_bytes: u64) -> UploadAttachment {
        let mut attachments = MockAttachmentRepository::new();
        attachments
            .expect_insert()
            .times(inserts)
            .returning(|_| Ok(()));
        UploadAttachment::new(
            Arc::new(attachments),
            Arc::new(storage),
            Arc::new(text_media()),
            fixed_clock(),
            max_bytes,
        )
    }

    #[tokio::test]
    async fn a_file_is_stored_with_its_size_hash_and_sniffed_type() {
        let ann = user("ann");
        let upload = uploader(draining_storage(1, 0), 1, 100);
        let stored = upload
            .execute(
                &actor_for(&ann),
                FileName::parse("a.png").unwrap(),
                body(&[b"hello ", b"world"]),
            )
            .await
            .unwrap();
        assert_eq!(stored.size, 11);
        assert_eq!(
            stored.sha256.as_str(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(stored.content_type.as_str(), "text/plain");
        assert_eq!(stored.filename.as_str(), "a.png");
        assert!(stored.may_be_posted_by(ann.id));
    }

    #[tokio::test]
    async fn the_limit_is_enforced_while_reading_and_nothing_is_kept() {
        let ann = user("ann");
        let upload = uploader(draining_storage(1, 0), 0, 10);
        let refused = upload
            .execute(
                &actor_for(&ann),
                FileName::parse("big.bin").unwrap(),
                body(&[b"0123456", b"789", b"a"]),
            )
            .await;
        assert!(matches!(refused, Err(UploadError::TooLarge { limit: 10 })));
    }

    #[tokio::test]
    async fn an_empty_file_is_refused_and_removed() {
        let ann = user("ann");
        let upload = uploader(draining_storage(1, 1), 0, 10);
        let refused = upload
            .execute(&actor_for(&ann), FileName::parse("e").unwrap(), body(&[]))
            .await;
        assert!(matches!(
            refused,
            Err(UploadError::Failed(ApplicationError::Validation(e))) if e.field == "file"
        ));
    }
}
