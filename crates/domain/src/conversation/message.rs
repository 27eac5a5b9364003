use super::{Annotations, ConversationId, MessageId};
use crate::ValidationError;
use crate::attachment::Attachment;
use crate::user::{UserId, UserKind};
use chrono::{DateTime, Utc};

/// What a message says: 1 to 4000 characters after trimming, no control characters but
/// tab and newline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageContent(String);

impl MessageContent {
    pub const MAX_LEN: usize = 4000;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let content = raw.trim();
        if content.is_empty() || content.chars().count() > Self::MAX_LEN {
            return Err(ValidationError::new(
                "content",
                format!("must be 1 to {} characters after trimming", Self::MAX_LEN),
            ));
        }
        crate::text::reject_control_characters("content", content)?;
        Ok(Self(content.to_owned()))
    }

    /// The content of a message that carries attachments: as [`Self::parse`], except that
    /// it may be empty (or only whitespace) when `attachments` is at least one.
    pub fn parse_with_attachments(raw: &str, attachments: usize) -> Result<Self, ValidationError> {
        if attachments > 0 && raw.trim().is_empty() {
            return Ok(Self::empty());
        }
        Self::parse(raw)
    }

    /// No words: only for a message with at least one attachment.
    pub fn empty() -> Self {
        Self(String::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The sender's own id for a message, which makes resending it harmless: 1 to 64 visible
/// ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !raw.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(ValidationError::new(
                "client_id",
                format!("must be 1 to {} visible ASCII characters", Self::MAX_LEN),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// The seq of the event that created it.
    pub seq: i64,
    /// `None` once the sender's account is deleted.
    pub sender_id: Option<UserId>,
    /// Whether a person or a bot sent it; kept when the sender's account is deleted.
    pub sender_kind: UserKind,
    /// `None` once the message is deleted (a tombstone).
    pub content: Option<MessageContent>,
    pub reply_to_id: Option<MessageId>,
    pub client_id: Option<ClientId>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// The files posted with it, by id (upload order); none once it is deleted.
    pub attachments: Vec<Attachment>,
    /// The root of the thread this message replies in (a root is never a reply itself).
    pub thread_root_id: Option<MessageId>,
    /// Reactions, thread, mentions and pin, read for a whole page at once (boxed: most
    /// messages in flight are new and carry none).
    pub annotations: Box<Annotations>,
}

impl Message {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A message about to be appended; the store gives it its seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    /// The sender's kind, from the authenticated caller: stored with the message so that
    /// no read needs to look the sender up.
    pub sender_kind: UserKind,
    pub content: MessageContent,
    pub reply_to_id: Option<MessageId>,
    pub client_id: Option<ClientId>,
    /// Checked by the use-case (the sender's, not yet posted), linked in the same
    /// transaction as the append, which fails if one was posted meanwhile.
    pub attachments: Vec<Attachment>,
    /// The message whose thread this replies in, as the sender named it: the store checks
    /// it (same conversation, not deleted) and, for a reply to a reply, uses its root.
    pub thread_root_id: Option<MessageId>,
    /// The members the content mentions.
    pub mentions: Vec<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_trimmed_and_bounded_in_characters() {
        assert_eq!(MessageContent::parse("  hi  ").unwrap().as_str(), "hi");
        assert!(MessageContent::parse(" \n\t ").is_err());
        assert!(MessageContent::parse(&"é".repeat(4000)).is_ok());
        assert!(MessageContent::parse(&"é".repeat(4001)).is_err());
    }

    #[test]
    fn content_keeps_tabs_and_newlines_but_no_other_control_character() {
        assert!(MessageContent::parse("a\tb\nc").is_ok());
        for bad in ["a\0b", "a\u{7}b", "a\rb"] {
            assert_eq!(MessageContent::parse(bad).unwrap_err().field, "content");
        }
    }

    #[test]
    fn content_may_be_empty_only_with_attachments() {
        assert!(
            MessageContent::parse_with_attachments("  ", 1)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            MessageContent::parse_with_attachments(" hi ", 2)
                .unwrap()
                .as_str(),
            "hi"
        );
        assert_eq!(
            MessageContent::parse_with_attachments(" ", 0)
                .unwrap_err()
                .field,
            "content"
        );
        assert!(MessageContent::parse_with_attachments(&"x".repeat(4001), 1).is_err());
        assert!(MessageContent::parse_with_attachments("a\0b", 1).is_err());
    }

    #[test]
    fn client_ids_are_short_visible_ascii() {
        assert!(ClientId::parse("web-1:42").is_ok());
        for bad in ["", "has space", "émoji", &"x".repeat(65)] {
            assert!(ClientId::parse(bad).is_err(), "{bad}");
        }
    }
}
