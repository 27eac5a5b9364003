//! Ports to the world around the domain: time, mail, presence, database health, and the
//! real-time side that hears about every committed change.

use crate::conversation::Notification;
use crate::error::BoxError;
use crate::user::{EmailAddress, UserId, UserKind};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// One email: plain text, with an HTML alternative when `html` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: EmailAddress,
    pub subject: String,
    pub body: String,
    /// The same content as HTML, sent as a `multipart/alternative` beside `body`.
    pub html: Option<String>,
}

/// Sends mail. `send` returns once the mail is accepted for delivery; delivery itself may
/// happen later, so that callers' response times do not depend on the mail server.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: OutgoingMail) -> Result<(), BoxError>;
}

/// Who is connected right now, across every node. Filled by the real-time gateway.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PresenceDirectory: Send + Sync {
    async fn online_users(&self) -> Result<Vec<UserId>, BoxError>;

    /// The subset of `users` that is online.
    async fn online_among(&self, users: &[UserId]) -> Result<Vec<UserId>, BoxError>;
}

/// Whether the database answers, for `/readyz`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DatabaseHealth: Send + Sync {
    async fn ping(&self) -> Result<(), BoxError>;
}

/// Hears about every committed change, to push it to connected clients. Called after the
/// commit, once per event; it must not block (the real-time hub queues and returns).
/// Logged events (those with a seq) come from the store that assigned the seq, in seq
/// order per conversation; use-cases notify only what has no seq (typing, reads, presence,
/// `conversation.created`/`deleted`, revoked sessions).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Notifier: Send + Sync {
    fn notify(&self, notification: Notification);
}

/// How fast each user may send messages; bots have limits of their own. `Err` carries how
/// long until the next send is allowed. Checked before a new message is stored, whichever
/// adapter it came through.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SendRateLimiter: Send + Sync {
    fn check(&self, user: UserId, kind: UserKind) -> Result<(), std::time::Duration>;
}

/// Where a cluster bus hands what it receives: every payload published by any node, this
/// one included, in the order each node published them.
pub type BusDelivery = Box<dyn Fn(Vec<u8>) + Send + Sync>;

/// Carries the real-time side's envelopes between the nodes of a cluster (Redis or NATS
/// pub/sub). Delivery is at most once: a node that misses something while the bus is down
/// leaves its clients to catch up through `sync`, which reads the event log.
#[async_trait]
pub trait ClusterBus: Send + Sync {
    /// Queues `payload` for every node, this one included. Never blocks; a payload that
    /// cannot be sent is logged and dropped.
    fn publish(&self, payload: Vec<u8>);

    /// Starts handing every payload published from now on to `deliver`, reconnecting by
    /// itself when the connection drops. Called once, before the first `publish`.
    async fn subscribe(&self, deliver: BusDelivery) -> Result<(), BoxError>;
}

/// Attempts counted under one key in the current fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCount {
    /// Attempts in this window, the one just counted included.
    pub attempts: u64,
    /// How long until the window ends and the count starts again from zero.
    pub resets_in: std::time::Duration,
}

/// Counts attempts (logins, password-reset requests) per key in fixed windows, for
/// throttling. Shared by every node when the cluster has a bus that can hold counters
/// (Redis); per node otherwise. `Err` when the counters cannot be reached.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttemptCounter: Send + Sync {
    /// Counts one attempt under `key`; a key's first attempt opens a window of `window`.
    async fn hit(&self, key: &str, window: std::time::Duration) -> Result<AttemptCount, BoxError>;

    /// Forgets the key's attempts (after a successful login).
    async fn clear(&self, key: &str) -> Result<(), BoxError>;
}
