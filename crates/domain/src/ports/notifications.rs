//! Ports of the notification pipeline: consumers' cursors over the committed events, the
//! pending notifications kept in the database, Web Push subscriptions, preferences and
//! per-conversation levels, and the server's own generated secrets. Every method answers
//! `Unexpected` (or `Unavailable`) when the store fails; other errors are listed per method.

use crate::RepositoryError;
use crate::conversation::ConversationId;
use crate::notification::{
    ConversationNotifications, PendingNotification, Preferences, PushSubscription,
    PushSubscriptionId, RecipientFacts,
};
use crate::user::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Where each consumer of committed events stands in each conversation's event log.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventCursors: Send + Sync {
    /// Makes `consumer` known. The first time only, its cursor in every existing
    /// conversation starts at that conversation's last seq, so that a new consumer is not
    /// fed the history; conversations created afterwards start at 0.
    async fn register(&self, consumer: &str) -> Result<(), RepositoryError>;

    /// Conversations whose log goes beyond the consumer's cursor, at most `limit`.
    async fn behind(
        &self,
        consumer: &str,
        limit: u64,
    ) -> Result<Vec<ConversationId>, RepositoryError>;

    /// The consumer's cursor in the conversation (0 if it has none yet).
    async fn position(
        &self,
        consumer: &str,
        conversation: ConversationId,
    ) -> Result<i64, RepositoryError>;

    /// Moves the cursor from `from` to `to` if it still stands at `from` (compare and
    /// set); `false` when another node moved it first. `NotFound` if the conversation is
    /// gone.
    async fn advance(
        &self,
        consumer: &str,
        conversation: ConversationId,
        from: i64,
        to: i64,
    ) -> Result<bool, RepositoryError>;
}

/// One member to notify about messages up to `last_seq`, as the pipeline enqueues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub notification: PendingNotification,
    pub last_seq: i64,
    /// Whether one of the messages mentions the member.
    pub mentioned: bool,
}

/// The pending notifications, kept until they are sent or dropped.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// What the decision needs about every member of the conversation.
    async fn recipients(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<RecipientFacts>, RepositoryError>;

    /// Stores each, or, when one is already waiting for that user, conversation and
    /// channel, extends that one to the new `last_seq` (and `mentioned`), keeping its
    /// `due_at`: one notification per delay window. A retry limited to some
    /// subscriptions goes to all of them again once it has new messages. Repeating a call
    /// is harmless.
    async fn enqueue(&self, notifications: &[Enqueued]) -> Result<(), RepositoryError>;

    /// Claims up to `limit` notifications due at `now`: each is moved to `lease_until` in
    /// one conditional update, so that no other node takes it meanwhile (a node that dies
    /// holding it leaves it to be claimed again when the lease ends).
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Enqueued>, RepositoryError>;

    /// Done with it up to `through_seq`: deleted, unless messages beyond `through_seq`
    /// joined it meanwhile; then it waits again from `through_seq + 1` until `next_due`.
    async fn finish(
        &self,
        id: uuid::Uuid,
        through_seq: i64,
        next_due: DateTime<Utc>,
    ) -> Result<(), RepositoryError>;

    /// Sending (about messages up to `through_seq`) failed for a reason worth retrying: due
    /// again at `due_at`, one more attempt, to the subscriptions in `only` (to every one
    /// when `None`). Messages that joined it, before or after, widen it to every
    /// subscription again.
    async fn retry_at(
        &self,
        id: uuid::Uuid,
        through_seq: i64,
        due_at: DateTime<Utc>,
        only: Option<Vec<PushSubscriptionId>>,
    ) -> Result<(), RepositoryError>;
}

/// Web Push subscriptions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PushSubscriptionRepository: Send + Sync {
    async fn add(&self, subscription: &PushSubscription) -> Result<(), RepositoryError>;

    /// Deletes the user's subscription. `NotFound` if there is none of theirs by that id.
    async fn delete_own(&self, id: PushSubscriptionId, user: UserId)
    -> Result<(), RepositoryError>;

    /// Deletes it, whoever it belongs to (the push service said it is gone).
    async fn remove(&self, id: PushSubscriptionId) -> Result<(), RepositoryError>;

    async fn list_for_user(&self, user: UserId) -> Result<Vec<PushSubscription>, RepositoryError>;
}

/// Notification preferences and per-conversation levels.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PreferenceRepository: Send + Sync {
    /// The user's preferences, the defaults when they never set any.
    async fn preferences(&self, user: UserId) -> Result<Preferences, RepositoryError>;

    /// `NotFound` if the user is gone.
    async fn save_preferences(
        &self,
        user: UserId,
        preferences: &Preferences,
    ) -> Result<(), RepositoryError>;

    /// `NotFound` if the user is not a member of the conversation.
    async fn set_conversation_notifications(
        &self,
        conversation: ConversationId,
        user: UserId,
        settings: &ConversationNotifications,
    ) -> Result<(), RepositoryError>;
}

/// Secrets the server makes for itself on first start and keeps in the database (the
/// VAPID key pair, the unsubscribe links' key), shared by every node.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ServerSecrets: Send + Sync {
    /// The secret stored under `name`, storing `candidate` first if there is none. Nodes
    /// starting together all get the one that was stored first.
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<String, RepositoryError>;
}

/// Whether the server may send pushes to a URL (https, public addresses, unless private
/// targets are allowed). `Err` carries the reason, for the client.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PushTargetPolicy: Send + Sync {
    async fn check(&self, endpoint: &str) -> Result<(), String>;
}

/// Reads the signed tokens of unsubscribe links: the user, and the conversation when the
/// link mutes only that one. `None` for a token that is malformed or not ours.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait UnsubscribeLinks: Send + Sync {
    fn verify(&self, token: &str) -> Option<(UserId, Option<ConversationId>)>;
}
