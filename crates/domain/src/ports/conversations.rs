//! Ports of the conversation side. Every method answers `Unexpected` when the store fails;
//! other errors are listed per method. Each method that logs an event allocates its seq,
//! makes the change and writes the event in one transaction.

use crate::RepositoryError;
use crate::conversation::{
    ClientId, Conversation, ConversationEvent, ConversationId, ConversationName,
    ConversationSummary, EmojiKey, Member, MemberRole, Message, MessageContent, MessageId,
    NewMessage, Pin,
};
use crate::user::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Where a page of someone's conversations continues: after this activity time and id,
/// in the list's order (latest activity first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationCursor {
    pub last_activity_at: DateTime<Utc>,
    pub conversation_id: ConversationId,
}

/// Where a page of members continues: after this join time and user id (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberCursor {
    pub joined_at: DateTime<Utc>,
    pub user_id: UserId,
}

/// Which messages to list, always returned in ascending seq.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqWindow {
    /// The newest ones.
    Newest,
    /// The newest ones below this seq.
    Before(i64),
    /// The oldest ones above this seq.
    After(i64),
    /// Above the first and below the second, oldest first.
    Between(i64, i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// Whether more messages lie beyond the page in the direction it was read.
    pub has_more: bool,
}

/// What narrows a message search beyond its words. Bounds on `created_at` are exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilters {
    pub conversation: Option<ConversationId>,
    pub sender: Option<UserId>,
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    /// Only messages with at least one attachment.
    pub has_attachment: bool,
    /// Only the replies in this root's thread.
    pub in_thread: Option<MessageId>,
}

/// What a member's leaving changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Departure {
    /// They left: `member.left`, and `member.updated` for the new owner if the owner left.
    Left { events: Vec<ConversationEvent> },
    /// They were the last member: the conversation is gone, with its messages and events.
    ConversationDeleted,
}

/// Conversations, their members and their event log.
///
/// One ordered path for events: the store assigns every seq, so it is also what announces
/// each event it logs (`member.joined`, `member.left`, `member.updated`,
/// `conversation.updated`) to the real-time side's `Notifier`, right after the commit and in
/// seq order per conversation, together with the messages' events of the
/// [`MessageRepository`] (they share one announcer). Callers never announce a logged event
/// again; they announce only what has no seq (`conversation.created` for newcomers,
/// `conversation.deleted`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConversationRepository: Send + Sync {
    /// Stores a new group or channel with its first members; no event is logged.
    /// `NotFound` if one of the members' users does not exist.
    async fn create(
        &self,
        conversation: &Conversation,
        members: &[Member],
    ) -> Result<(), RepositoryError>;

    /// The direct conversation of the pair `pair_key` names, created from `conversation`
    /// and `members` if there is none; the flag says whether it was created. Concurrent
    /// callers for one pair all get the same conversation. `NotFound` if a user is gone.
    async fn find_or_create_direct(
        &self,
        conversation: &Conversation,
        members: &[Member],
        pair_key: &str,
    ) -> Result<(Conversation, bool), RepositoryError>;

    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, RepositoryError>;

    async fn find_member(
        &self,
        id: ConversationId,
        user: UserId,
    ) -> Result<Option<Member>, RepositoryError>;

    /// Members, longest-standing first.
    async fn list_members(
        &self,
        id: ConversationId,
        after: Option<MemberCursor>,
        limit: u64,
    ) -> Result<Vec<Member>, RepositoryError>;

    async fn member_ids(&self, id: ConversationId) -> Result<Vec<UserId>, RepositoryError>;

    /// The user's conversations, latest activity first, each with its last message and
    /// exact unread count, in a fixed number of queries whatever the page size.
    async fn list_for_user(
        &self,
        user: UserId,
        after: Option<ConversationCursor>,
        limit: u64,
    ) -> Result<Vec<ConversationSummary>, RepositoryError>;

    /// Everybody who shares at least one conversation with the user, the user excluded,
    /// each once: who should hear about their presence.
    async fn contact_ids(&self, user: UserId) -> Result<Vec<UserId>, RepositoryError>;

    /// Every conversation the user belongs to.
    async fn memberships_of(&self, user: UserId) -> Result<Vec<ConversationId>, RepositoryError>;

    /// Renames; logs `conversation.updated`. Under the conversation's lock: `NotFound` if
    /// it is gone or `actor` is not a member, `Forbidden` unless `actor` is its owner or an
    /// admin.
    async fn rename(
        &self,
        id: ConversationId,
        actor: UserId,
        name: &ConversationName,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError>;

    /// Deletes the conversation with its members, messages and events; returns who the
    /// members were. `NotFound` if it is already gone.
    async fn delete(&self, id: ConversationId) -> Result<Vec<UserId>, RepositoryError>;

    /// Adds the users who are not members yet, as `member`, logging one `member.joined`
    /// each (none for users already in). `NotFound` if the conversation or a user is gone,
    /// or `actor` is not a member; `Forbidden` unless `actor` is the owner or an admin
    /// (checked under the conversation's lock).
    async fn add_members(
        &self,
        id: ConversationId,
        actor: UserId,
        users: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<Vec<ConversationEvent>, RepositoryError>;

    /// Sets a member's role; logs `member.updated`. Checked under the conversation's lock,
    /// so a concurrent hand-off cannot be undone: `Forbidden` unless `actor` is the owner
    /// at that moment and `user` is not; `NotFound` if `user` is not a member.
    async fn set_member_role(
        &self,
        id: ConversationId,
        actor: UserId,
        user: UserId,
        role: MemberRole,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError>;

    /// Removes `user` and logs `member.left`. An owner who leaves hands ownership to the
    /// longest-standing admin, else the longest-standing member (`member.updated`). The
    /// last member leaving deletes the conversation. `NotFound` if `user` (or, removing
    /// someone else, `actor`) is not a member. Under the conversation's lock, `actor` may
    /// always remove themself; otherwise `Forbidden` unless `actor` is the owner, or an
    /// admin removing a plain member.
    async fn remove_member(
        &self,
        id: ConversationId,
        actor: UserId,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Departure, RepositoryError>;

    /// Moves the member's read marker up to `seq`, never back; returns the marker as it
    /// stands after. `NotFound` if they are not a member.
    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        seq: i64,
    ) -> Result<i64, RepositoryError>;

    /// Moves the member's delivery marker up to `seq`, never back; returns the marker as it
    /// stands after. `NotFound` if they are not a member.
    async fn mark_delivered(
        &self,
        id: ConversationId,
        user: UserId,
        seq: i64,
    ) -> Result<i64, RepositoryError>;

    /// The members whose canonical usernames are among `usernames` (mentions).
    async fn members_named(
        &self,
        id: ConversationId,
        usernames: &[String],
    ) -> Result<Vec<UserId>, RepositoryError>;

    /// The events after `after_seq`, in seq order, at most `limit`. `NotFound` if the
    /// conversation is deleted while they are read.
    async fn list_events(
        &self,
        id: ConversationId,
        after_seq: i64,
        limit: u64,
    ) -> Result<Vec<ConversationEvent>, RepositoryError>;
}

/// Messages. Like [`ConversationRepository`], the store announces every event it logs
/// (`message.created`, `message.updated`, `message.deleted`) to the `Notifier` it was built
/// with, after the commit and in seq order per conversation; callers do not.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    async fn find(&self, id: MessageId) -> Result<Option<Message>, RepositoryError>;

    async fn find_by_client_id(
        &self,
        sender: UserId,
        client_id: &ClientId,
    ) -> Result<Option<Message>, RepositoryError>;

    /// Gives the message the conversation's next seq, stores it and logs
    /// `message.created`, in one transaction. `Conflict { field: Taken::ClientId }` when the
    /// sender used that client id before (nothing is written then). Under the
    /// conversation's lock the sender's membership is checked again: `NotFound` if the
    /// conversation is gone or the sender is no longer in it, `Forbidden` if it is a
    /// channel and the sender is no longer its owner or an admin.
    ///
    /// The store assigns the seq, so it also announces the committed `message.created` to
    /// the `Notifier` it was built with, in seq order per conversation, before answering
    /// (one ordered path: nothing downstream reorders); callers do not announce it again.
    async fn append(
        &self,
        message: &NewMessage,
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError>;

    async fn list(
        &self,
        conversation: ConversationId,
        window: SeqWindow,
        limit: u64,
    ) -> Result<MessagePage, RepositoryError>;

    /// Replaces the content and the mentioned members, sets `edited_at`, logs
    /// `message.updated`. `NotFound` if the message is gone or deleted.
    async fn edit(
        &self,
        id: MessageId,
        content: &MessageContent,
        mentions: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<ConversationEvent, RepositoryError>;

    /// Adds `user`'s reaction and logs `reaction.added`; `None` (nothing logged) if it
    /// was there already. Like every event this store logs, it is announced by the store,
    /// in seq order; callers do not announce it again. Under the conversation's lock: `NotFound` if the message is gone
    /// or deleted or `user` is not a member, `Forbidden` if the policy refuses.
    async fn react(
        &self,
        message: MessageId,
        user: UserId,
        emoji: &EmojiKey,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError>;

    /// Removes `user`'s reaction and logs `reaction.removed`; `None` (nothing logged) if
    /// there was none. `NotFound` if the message is gone or `user` is not a member.
    async fn unreact(
        &self,
        message: MessageId,
        user: UserId,
        emoji: &EmojiKey,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError>;

    /// Pins the message and logs `message.pinned`; `None` if it was pinned already.
    /// Under the conversation's lock: `NotFound` if the message is gone or deleted or
    /// `actor` is not a member, `Forbidden` if the policy refuses.
    async fn pin(
        &self,
        message: MessageId,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError>;

    /// Unpins the message and logs `message.unpinned`; `None` if it was not pinned.
    /// Checked as [`MessageRepository::pin`] is.
    async fn unpin(
        &self,
        message: MessageId,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError>;

    /// The conversation's pinned messages, newest pin first.
    async fn pins(&self, conversation: ConversationId) -> Result<Vec<Pin>, RepositoryError>;

    /// The replies in `root`'s thread after `after_seq`, in seq order.
    async fn thread(
        &self,
        root: MessageId,
        after_seq: i64,
        limit: u64,
    ) -> Result<MessagePage, RepositoryError>;

    /// Turns the message into a tombstone (content gone, `deleted_at` set) and logs
    /// `message.deleted`; `None` if it was deleted already. `NotFound` if it is gone.
    async fn delete(
        &self,
        id: MessageId,
        now: DateTime<Utc>,
    ) -> Result<Option<ConversationEvent>, RepositoryError>;

    /// Full-text search, best match first, over undeleted messages of the conversations
    /// `user` belongs to, narrowed by `filters`, using the database's own index.
    async fn search(
        &self,
        user: UserId,
        text: &str,
        filters: &SearchFilters,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Message>, RepositoryError>;
}
