//! Webhooks, their deliveries and the attempts at them. The webhooks themselves in
//! [`hooks`], the delivery queue (enqueue, claim, record) and its log in [`deliveries`],
//! the mapping between rows and domain types in [`rows`].

mod deliveries;
mod hooks;
mod rows;

use crate::database::Database;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{
    AttemptOutcome, DeliveryRecord, DueDelivery, Webhook, WebhookAttempt, WebhookDelivery,
    WebhookId,
};
use palaver_domain::ports::WebhookRepository;
use sea_orm::DatabaseConnection;

/// Implements [`WebhookRepository`].
#[derive(Clone)]
pub struct SqlWebhooks {
    db: DatabaseConnection,
}

impl SqlWebhooks {
    pub fn new(database: &Database) -> Self {
        Self {
            db: database.connection.clone(),
        }
    }
}

#[async_trait]
impl WebhookRepository for SqlWebhooks {
    async fn create(&self, webhook: &Webhook) -> Result<(), RepositoryError> {
        hooks::create(&self.db, webhook).await
    }

    async fn list(&self) -> Result<Vec<Webhook>, RepositoryError> {
        hooks::list(&self.db).await
    }

    async fn get(&self, id: WebhookId) -> Result<Webhook, RepositoryError> {
        hooks::get(&self.db, id).await
    }

    async fn delete(&self, id: WebhookId) -> Result<(), RepositoryError> {
        hooks::delete(&self.db, id).await
    }

    async fn set_enabled(
        &self,
        id: WebhookId,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<Webhook, RepositoryError> {
        hooks::set_enabled(&self.db, id, enabled, now).await
    }

    async fn active_for(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<Webhook>, RepositoryError> {
        hooks::active_for(&self.db, conversation).await
    }

    async fn enqueue(&self, deliveries: &[WebhookDelivery]) -> Result<(), RepositoryError> {
        deliveries::enqueue(&self.db, deliveries).await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DueDelivery>, RepositoryError> {
        deliveries::claim_due(&self.db, now, lease_until, limit).await
    }

    async fn record_attempt(
        &self,
        delivery: &WebhookDelivery,
        attempt: &WebhookAttempt,
        outcome: AttemptOutcome,
        disable_after: u32,
    ) -> Result<bool, RepositoryError> {
        deliveries::record_attempt(&self.db, delivery, attempt, outcome, disable_after).await
    }

    async fn forget_finished(&self, before: DateTime<Utc>) -> Result<u64, RepositoryError> {
        deliveries::forget_finished(&self.db, before).await
    }

    async fn deliveries(
        &self,
        id: WebhookId,
        limit: u64,
    ) -> Result<Vec<DeliveryRecord>, RepositoryError> {
        deliveries::log(&self.db, id, limit).await
    }
}
