//! Conversations, their members, messages and the per-conversation event log.

mod annotations;
mod event;
pub mod highlight;
pub mod mention;
mod message;
pub mod policy;
mod reaction;
mod values;

pub use annotations::{
    Annotations, Pin, REACTION_USERS_SHOWN, ReactionSummary, ThreadSummary, thread_root_of,
};
pub use event::{ConversationEvent, EventPayload, Notification};
pub use message::{ClientId, Message, MessageContent, NewMessage};
pub use reaction::EmojiKey;
pub use values::{ConversationKind, ConversationName, MemberRole};

use crate::id::uuid_id;
use crate::user::UserId;
use chrono::{DateTime, Utc};

uuid_id!(ConversationId);
uuid_id!(MessageId);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    /// Groups and channels have one; direct conversations do not.
    pub name: Option<ConversationName>,
    /// Groups and channels have one; direct conversations belong to both sides equally.
    pub owner_id: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The seq of the latest event; 0 before the first.
    pub last_seq: i64,
    pub member_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
    /// Everything up to this seq has been read. Only ever moves forward.
    pub last_read_seq: i64,
    /// Everything up to this seq has reached the member's devices. Only ever moves forward.
    pub last_delivered_seq: i64,
}

/// A conversation as one member sees it in their list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    pub conversation: Conversation,
    pub my_role: MemberRole,
    pub last_message: Option<Message>,
    /// Messages after my read marker, not sent by me, not deleted.
    pub unread_count: u64,
    /// When the latest event happened (creation, before the first).
    pub last_activity_at: DateTime<Utc>,
}

impl Conversation {
    pub fn is_direct(&self) -> bool {
        self.kind == ConversationKind::Direct
    }
}

/// The unique key of the direct conversation between two users, the same whichever of
/// them asks.
pub fn direct_pair_key(a: UserId, b: UserId) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{}:{}", low.as_uuid().simple(), high.as_uuid().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_key_ignores_order() {
        let (a, b) = (UserId::generate(), UserId::generate());
        assert_eq!(direct_pair_key(a, b), direct_pair_key(b, a));
        assert_ne!(
            direct_pair_key(a, b),
            direct_pair_key(a, UserId::generate())
        );
        assert_eq!(direct_pair_key(a, b).len(), 65);
    }
}
