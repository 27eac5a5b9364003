use super::{Annotations, ConversationId, MessageId};
use crate::ValidationError;
use crate::user::UserId;
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
    /// `None` once the message is deleted (a tombstone).
    pub content: Option<MessageContent>,
    pub reply_to_id: Option<MessageId>,
    pub client_id: Option<ClientId>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
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
    pub content: MessageContent,
    pub reply_to_id: Option<MessageId>,
    pub client_id: Option<ClientId>,
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
    fn client_ids_are_short_visible_ascii() {
        assert!(ClientId::parse("web-1:42").is_ok());
        for bad in ["", "has space", "émoji", &"x".repeat(65)] {
            assert!(ClientId::parse(bad).is_err(), "{bad}");
        }
    }
}
