use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::notification::{DeliveryRecord, Webhook, WebhookId};
use palaver_domain::ports::{Clock, WebhookRepository};
use std::sync::Arc;

/// How many deliveries the log shows.
pub const DELIVERY_LOG_LIMIT: u64 = 100;

/// What a global admin does with the webhooks there are. Every call is `Forbidden`
/// unless the actor is a global admin, and `NotFound("webhook")` for an unknown id.
pub struct ManageWebhooks {
    webhooks: Arc<dyn WebhookRepository>,
    clock: Arc<dyn Clock>,
}

impl ManageWebhooks {
    pub fn new(webhooks: Arc<dyn WebhookRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { webhooks, clock }
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<Webhook>, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        Ok(self.webhooks.list().await?)
    }

    pub async fn get(&self, actor: &Actor, id: WebhookId) -> Result<Webhook, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        self.webhooks.get(id).await.map_err(not_found_as("webhook"))
    }

    /// Deletes it; what it had not delivered is dropped.
    pub async fn delete(&self, actor: &Actor, id: WebhookId) -> Result<(), ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        self.webhooks
            .delete(id)
            .await
            .map_err(not_found_as("webhook"))?;
        tracing::info!(admin = %actor.user_id, webhook_id = %id, "webhook deleted");
        Ok(())
    }

    /// Enables (after it was disabled for failing) or disables it.
    pub async fn set_enabled(
        &self,
        actor: &Actor,
        id: WebhookId,
        enabled: bool,
    ) -> Result<Webhook, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        let webhook = self
            .webhooks
            .set_enabled(id, enabled, self.clock.now())
            .await
            .map_err(not_found_as("webhook"))?;
        tracing::info!(admin = %actor.user_id, webhook_id = %id, enabled, "webhook switched");
        Ok(webhook)
    }

    /// The newest deliveries and their attempts.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        id: WebhookId,
    ) -> Result<Vec<DeliveryRecord>, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        self.webhooks
            .deliveries(id, DELIVERY_LOG_LIMIT)
            .await
            .map_err(not_found_as("webhook"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockWebhookRepository;

    #[tokio::test]
    async fn only_global_admins_manage_webhooks() {
        let mut webhooks = MockWebhookRepository::new();
        webhooks.expect_list().never();
        webhooks.expect_delete().never();
        let manage = ManageWebhooks::new(Arc::new(webhooks), fixed_clock());
        let ann = actor_for(&user("ann"));
        assert!(matches!(
            manage.list(&ann).await.unwrap_err(),
            ApplicationError::Forbidden(_)
        ));
        assert!(matches!(
            manage
                .delete(&ann, WebhookId::generate())
                .await
                .unwrap_err(),
            ApplicationError::Forbidden(_)
        ));
    }

    #[tokio::test]
    async fn an_unknown_webhook_is_not_found() {
        let mut webhooks = MockWebhookRepository::new();
        webhooks
            .expect_deliveries()
            .withf(|_, limit| *limit == DELIVERY_LOG_LIMIT)
            .returning(|_, _| Err(RepositoryError::NotFound));
        webhooks
            .expect_set_enabled()
            .returning(|_, _, _| Err(RepositoryError::NotFound));
        let manage = ManageWebhooks::new(Arc::new(webhooks), fixed_clock());
        let root = actor_for(&admin("root"));
        assert!(matches!(
            manage
                .deliveries(&root, WebhookId::generate())
                .await
                .unwrap_err(),
            ApplicationError::NotFound("webhook")
        ));
        assert!(matches!(
            manage
                .set_enabled(&root, WebhookId::generate(), true)
                .await
                .unwrap_err(),
            ApplicationError::NotFound("webhook")
        ));
    }
}
