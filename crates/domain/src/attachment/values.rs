use super::{AttachmentId, MAX_PER_MESSAGE};
use crate::ValidationError;

/// A file's name as its uploader sent it: 1 to 255 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName(String);

impl FileName {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.trim().is_empty() || raw.chars().count() > Self::MAX_LEN {
            return Err(ValidationError::new(
                "filename",
                format!("must be 1 to {} characters", Self::MAX_LEN),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "filename",
                "must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A media type as sniffed: `type/subtype`, optionally with parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentType(String);

impl ContentType {
    pub const OCTET_STREAM: &'static str = "application/octet-stream";

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("content_type", "must be a media type");
        let essence = raw.split(';').next().unwrap_or_default().trim();
        let (kind, sub) = essence.split_once('/').ok_or_else(bad)?;
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        if raw.len() > 255 || !token(kind) || !token(sub) || !raw.is_ascii() {
            return Err(bad());
        }
        if raw.chars().any(|c| c.is_ascii_control()) {
            return Err(bad());
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn octet_stream() -> Self {
        Self(Self::OCTET_STREAM.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The type without parameters.
    pub fn essence(&self) -> &str {
        self.0.split(';').next().unwrap_or_default().trim()
    }
}

/// A SHA-256 digest as 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sha256Hex(String);

impl Sha256Hex {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.len() != 64 || !raw.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ValidationError::new("sha256", "must be 64 hex digits"));
        }
        Ok(Self(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an object lives in storage: `/`-separated segments of `[A-Za-z0-9._-]`, none of
/// them `.` or `..`, so that every adapter maps it to a path inside its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if raw.len() > 512 || !raw.split('/').all(segment_ok) {
            return Err(ValidationError::new("key", "must be a safe object key"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The key of an attachment's file.
    pub fn for_attachment(id: AttachmentId) -> Self {
        Self(format!("attachments/{}", id.as_uuid().simple()))
    }

    /// The key of an attachment's thumbnail.
    pub fn for_thumbnail(id: AttachmentId) -> Self {
        Self(format!("thumbnails/{}", id.as_uuid().simple()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The attachments named by a new message: at most [`MAX_PER_MESSAGE`], each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentIds(Vec<AttachmentId>);

impl AttachmentIds {
    pub fn parse(ids: Vec<uuid::Uuid>) -> Result<Self, ValidationError> {
        if ids.len() > MAX_PER_MESSAGE {
            return Err(ValidationError::new(
                "attachment_ids",
                format!("must name at most {MAX_PER_MESSAGE} attachments"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if !ids.iter().all(|id| seen.insert(*id)) {
            return Err(ValidationError::new(
                "attachment_ids",
                "must not name an attachment twice",
            ));
        }
        Ok(Self(ids.into_iter().map(AttachmentId::from_uuid).collect()))
    }

    pub fn as_slice(&self) -> &[AttachmentId] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_echoed_but_bounded() {
        assert_eq!(
            FileName::parse("résumé (1).pdf").unwrap().as_str(),
            "résumé (1).pdf"
        );
        for bad in ["", "  ", "a\nb", "a\0b", &"x".repeat(256)] {
            assert_eq!(FileName::parse(bad).unwrap_err().field, "filename");
        }
    }

    #[test]
    fn object_keys_stay_inside_their_root() {
        assert!(ObjectKey::parse("attachments/abc.thumb").is_ok());
        for bad in ["", "../x", "a//b", "/a", "a/./b", "a b", "a\\b"] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn at_most_ten_distinct_attachment_ids() {
        let ids: Vec<uuid::Uuid> = (0..10).map(|_| uuid::Uuid::new_v4()).collect();
        assert_eq!(AttachmentIds::parse(ids.clone()).unwrap().len(), 10);
        let mut eleven = ids.clone();
        eleven.push(uuid::Uuid::new_v4());
        assert_eq!(
            AttachmentIds::parse(eleven).unwrap_err().field,
            "attachment_ids"
        );
        assert!(AttachmentIds::parse(vec![ids[0], ids[0]]).is_err());
    }

    #[test]
    fn content_types_are_media_types() {
        assert_eq!(
            ContentType::parse("Text/Plain; charset=utf-8")
                .unwrap()
                .essence(),
            "text/plain"
        );
        for bad in ["", "text", "text/", "a b/c", "text/plain\n"] {
            assert!(ContentType::parse(bad).is_err(), "{bad}");
        }
    }
}
