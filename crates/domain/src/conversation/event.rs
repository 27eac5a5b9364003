use super::{Conversation, ConversationId, EmojiKey, MemberRole, Message, MessageId};
use crate::auth::SessionId;
use crate::user::UserId;
use chrono::{DateTime, Utc};

/// One entry of a conversation's event log. Seqs run 1, 2, 3 ... with no gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEvent {
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub created_at: DateTime<Utc>,
    pub payload: EventPayload,
}

/// What an event says. Messages and conversations appear as they stand now, not as they
/// stood then: a deleted message's words do not live on in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPayload {
    MessageCreated {
        message: Message,
    },
    MessageUpdated {
        message: Message,
    },
    MessageDeleted {
        message_id: MessageId,
    },
    MemberJoined {
        user_id: UserId,
        role: MemberRole,
    },
    MemberLeft {
        user_id: UserId,
    },
    MemberUpdated {
        user_id: UserId,
        role: MemberRole,
    },
    ConversationUpdated {
        conversation: Conversation,
    },
    ReactionAdded {
        message_id: MessageId,
        emoji: EmojiKey,
        user_id: UserId,
    },
    ReactionRemoved {
        message_id: MessageId,
        emoji: EmojiKey,
        user_id: UserId,
    },
    MessagePinned {
        message_id: MessageId,
        user_id: UserId,
    },
    MessageUnpinned {
        message_id: MessageId,
        user_id: UserId,
    },
}

impl EventPayload {
    /// Every event `type` there is, as [`type_name`](Self::type_name) gives them.
    pub const TYPE_NAMES: [&'static str; 11] = [
        "message.created",
        "message.updated",
        "message.deleted",
        "member.joined",
        "member.left",
        "member.updated",
        "conversation.updated",
        "reaction.added",
        "reaction.removed",
        "message.pinned",
        "message.unpinned",
    ];

    /// The event's `type` on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::MessageCreated { .. } => "message.created",
            Self::MessageUpdated { .. } => "message.updated",
            Self::MessageDeleted { .. } => "message.deleted",
            Self::MemberJoined { .. } => "member.joined",
            Self::MemberLeft { .. } => "member.left",
            Self::MemberUpdated { .. } => "member.updated",
            Self::ConversationUpdated { .. } => "conversation.updated",
            Self::ReactionAdded { .. } => "reaction.added",
            Self::ReactionRemoved { .. } => "reaction.removed",
            Self::MessagePinned { .. } => "message.pinned",
            Self::MessageUnpinned { .. } => "message.unpinned",
        }
    }
}

/// What the application tells the real-time side after a change has been committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// A logged event, for every member of its conversation (and, for `member.left`, the
    /// user who left).
    Event(ConversationEvent),
    /// A conversation the users have just joined (created with them, or added to).
    ConversationCreated {
        conversation: Conversation,
        user_ids: Vec<UserId>,
    },
    /// A conversation that no longer exists, for its former members.
    ConversationDeleted {
        conversation_id: ConversationId,
        user_ids: Vec<UserId>,
    },
    /// A read marker moved (ephemeral, no seq).
    Read {
        conversation_id: ConversationId,
        user_id: UserId,
        seq: i64,
    },
    /// A member's devices received everything up to `seq` (ephemeral, no seq of its own).
    Delivered {
        conversation_id: ConversationId,
        user_id: UserId,
        seq: i64,
    },
    /// A member started or stopped typing (ephemeral, no seq), for the other members.
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
        is_typing: bool,
    },
    /// These sessions of the user were revoked (logout, password change or reset, account
    /// deletion, refresh-token reuse): their open connections must close.
    SessionsRevoked {
        user_id: UserId,
        session_ids: Vec<SessionId>,
    },
    /// Every session of the user is gone with the account itself.
    AccountDeleted { user_id: UserId },
}
