//! Webhooks and their deliveries. Every method answers `Unexpected` (or `Unavailable`)
//! when the store fails; other errors are listed per method.

use crate::RepositoryError;
use crate::conversation::ConversationId;
use crate::notification::{
    AttemptOutcome, DeliveryRecord, DueDelivery, Webhook, WebhookAttempt, WebhookDelivery,
    WebhookId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// `NotFound` if its conversation is gone.
    async fn create(&self, webhook: &Webhook) -> Result<(), RepositoryError>;

    /// Every webhook, oldest first.
    async fn list(&self) -> Result<Vec<Webhook>, RepositoryError>;

    /// `NotFound` if there is none by that id.
    async fn get(&self, id: WebhookId) -> Result<Webhook, RepositoryError>;

    /// Deletes it with its deliveries. `NotFound` if there is none by that id.
    async fn delete(&self, id: WebhookId) -> Result<(), RepositoryError>;

    /// Enables a disabled webhook (its failures forgotten, its pending deliveries due at
    /// once) or disables one. `NotFound` if there is none by that id.
    async fn set_enabled(
        &self,
        id: WebhookId,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Webhook, RepositoryError>;

    /// The enabled webhooks that may want events of `conversation` (its own and the
    /// global ones).
    async fn active_for(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<Webhook>, RepositoryError>;

    /// Stores the deliveries; one that exists already for its webhook, conversation and
    /// seq is left as it is, so repeating a call is harmless.
    async fn enqueue(&self, deliveries: &[WebhookDelivery]) -> Result<(), RepositoryError>;

    /// Claims up to `limit` deliveries due at `now` of enabled webhooks, each the oldest
    /// pending one of its webhook and conversation (so a conversation's events go out in
    /// seq order: the next waits until this one is delivered or given up). Each is leased
    /// until `lease_until` in one conditional update, so no other node sends it meanwhile.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DueDelivery>, RepositoryError>;

    /// Records an attempt at a claimed delivery and what follows from it. A success
    /// forgets the webhook's failures; a failure counts one more, and the webhook is
    /// disabled when it reaches `disable_after` in a row. Answers whether that happened.
    async fn record_attempt(
        &self,
        delivery: &WebhookDelivery,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
        disable_after: u32,
    ) -> Result<bool, RepositoryError>;

    /// Deletes the deliveries (and their attempts) that were delivered or given up before
    /// `before`, so the log does not grow without end; answers how many went.
    async fn forget_finished(&self, before: DateTime<Utc>) -> Result<u64, RepositoryError>;

    /// The webhook's newest deliveries with their attempts. `NotFound` if there is no
    /// webhook by that id.
    async fn deliveries(
        &self,
        id: WebhookId,
        limit: u64,
    ) -> Result<Vec<DeliveryRecord>, RepositoryError>;
}
