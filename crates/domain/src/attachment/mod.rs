//! Attachments: files uploaded to object storage and then posted with a message.

mod values;

pub use values::{AttachmentIds, ContentType, FileName, ObjectKey, Sha256Hex};

use crate::conversation::MessageId;
use crate::id::uuid_id;
use crate::user::UserId;
use chrono::{DateTime, Utc};

uuid_id!(AttachmentId);

/// At most this many attachments go with one message.
pub const MAX_PER_MESSAGE: usize = 10;

/// The longer side of a thumbnail, at most.
pub const THUMBNAIL_MAX_SIDE: u32 = 320;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: AttachmentId,
    /// `None` once the uploader's account is deleted.
    pub uploader_id: Option<UserId>,
    /// As the client sent it; only `Content-Disposition` sanitises it.
    pub filename: FileName,
    /// Sniffed from the bytes, never taken from the client.
    pub content_type: ContentType,
    pub size: u64,
    pub sha256: Sha256Hex,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub storage_key: ObjectKey,
    /// Where the thumbnail is, for images that got one.
    pub thumbnail_key: Option<ObjectKey>,
    /// The message it was posted with; `None` until then.
    pub message_id: Option<MessageId>,
    pub created_at: DateTime<Utc>,
}

impl Attachment {
    pub fn has_thumbnail(&self) -> bool {
        self.thumbnail_key.is_some()
    }

    /// Whether `user` may attach it to a message they send now: they uploaded it and it
    /// has not been posted yet.
    pub fn may_be_posted_by(&self, user: UserId) -> bool {
        self.uploader_id == Some(user) && self.message_id.is_none()
    }

    /// The storage keys of an attachment's objects, the file first.
    pub fn object_keys(&self) -> Vec<ObjectKey> {
        std::iter::once(self.storage_key.clone())
            .chain(self.thumbnail_key.clone())
            .collect()
    }
}

/// How a browser is told to treat a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Shown in the page: only types a browser cannot run.
    Inline,
    /// Saved as a file: everything else (HTML, SVG, XML, scripts, unknown bytes ...).
    Attachment,
}

impl ContentType {
    /// `Inline` only for raster images, PDF and plain text; anything a browser could run
    /// or interpret as a document of its own is `Attachment`.
    pub fn disposition(&self) -> Disposition {
        match self.essence() {
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
            | "text/plain" => Disposition::Inline,
            _ => Disposition::Attachment,
        }
    }

    /// Whether it is an image the server makes thumbnails of.
    pub fn is_thumbnailable_image(&self) -> bool {
        matches!(
            self.essence(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        )
    }
}

/// The part of a stored object to read: bytes `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A `Range: bytes=...` request as the client wrote it, before the size is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// `bytes=start-` or `bytes=start-end`.
    From { start: u64, end: Option<u64> },
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

impl RangeRequest {
    /// The bytes it names in an object of `size` bytes, clamped to the end; `None` when it
    /// names none of them (416).
    pub fn resolve(self, size: u64) -> Option<ByteRange> {
        if size == 0 {
            return None;
        }
        let last = size - 1;
        match self {
            Self::From { start, end } => {
                let end = end.unwrap_or(last).min(last);
                (start <= end).then_some(ByteRange { start, end })
            }
            Self::Suffix(0) => None,
            Self::Suffix(n) => Some(ByteRange {
                start: size.saturating_sub(n),
                end: last,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_size() {
        let from = |start, end| RangeRequest::From { start, end };
        assert_eq!(
            from(0, Some(9)).resolve(100),
            Some(ByteRange { start: 0, end: 9 })
        );
        assert_eq!(
            from(90, Some(200)).resolve(100),
            Some(ByteRange { start: 90, end: 99 })
        );
        assert_eq!(
            from(5, None).resolve(10),
            Some(ByteRange { start: 5, end: 9 })
        );
        assert_eq!(from(100, None).resolve(100), None);
        assert_eq!(from(5, Some(4)).resolve(100), None);
        assert_eq!(
            RangeRequest::Suffix(30).resolve(10),
            Some(ByteRange { start: 0, end: 9 })
        );
        assert_eq!(RangeRequest::Suffix(0).resolve(10), None);
        assert_eq!(from(0, None).resolve(0), None);
        assert_eq!(ByteRange { start: 3, end: 3 }.len(), 1);
    }

    #[test]
    fn only_inert_types_are_shown_inline() {
        for inline in [
            "image/png",
            "image/jpeg",
            "application/pdf",
            "text/plain; charset=utf-8",
        ] {
            assert_eq!(
                ContentType::parse(inline).unwrap().disposition(),
                Disposition::Inline,
                "{inline}"
            );
        }
        for saved in [
            "text/html",
            "image/svg+xml",
            "text/xml",
            "application/javascript",
            "application/octet-stream",
            "text/x-shellscript",
        ] {
            assert_eq!(
                ContentType::parse(saved).unwrap().disposition(),
                Disposition::Attachment,
                "{saved}"
            );
        }
    }
}
