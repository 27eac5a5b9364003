//! What a message carries beside its own columns: reactions, its thread, who it mentions
//! and whether it is pinned. The store reads them for a whole page at once.

use super::{EmojiKey, Message, MessageId};
use crate::user::UserId;
use chrono::{DateTime, Utc};

/// At most this many reactors are named per emoji; `count` has them all.
pub const REACTION_USERS_SHOWN: usize = 20;

/// One emoji on a message: how many reacted with it and (the first 20 of) who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionSummary {
    pub emoji: EmojiKey,
    pub count: u64,
    /// In order of reacting, at most [`REACTION_USERS_SHOWN`].
    pub user_ids: Vec<UserId>,
}

/// The replies of a thread root, deleted ones left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    pub reply_count: u64,
    pub last_reply_at: Option<DateTime<Utc>>,
    /// Who replied, each once, in order of their first reply.
    pub participant_ids: Vec<UserId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// In order of the emoji's first use on the message.
    pub reactions: Vec<ReactionSummary>,
    /// `Some` on a message that has replies.
    pub thread: Option<ThreadSummary>,
    /// Members mentioned by `@username`, as read at the last send or edit.
    pub mentions: Vec<UserId>,
    pub pinned_at: Option<DateTime<Utc>>,
}

/// A pinned message, as the pins list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub message: Message,
    /// `None` once the pinner's account is deleted.
    pub pinned_by: Option<UserId>,
    pub pinned_at: DateTime<Utc>,
}

/// The root a reply attaches to: a reply to a reply joins the same thread (threads are one
/// level deep), so the root of `parent` if it has one, else `parent` itself.
pub fn thread_root_of(parent: &Message) -> MessageId {
    parent.thread_root_id.unwrap_or(parent.id)
}
