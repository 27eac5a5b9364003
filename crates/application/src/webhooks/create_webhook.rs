use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, policy};
use palaver_domain::notification::{Webhook, WebhookEvents, WebhookId};
use palaver_domain::ports::{Clock, PushTargetPolicy, SecretGenerator, WebhookRepository};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct CreateWebhookInput {
    pub url: String,
    pub events: Vec<String>,
    pub conversation_id: Option<ConversationId>,
}

/// A global admin registers a webhook; its secret is returned (and shown) here.
pub struct CreateWebhook {
    webhooks: Arc<dyn WebhookRepository>,
    targets: Arc<dyn PushTargetPolicy>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
}

impl CreateWebhook {
    pub fn new(
        webhooks: Arc<dyn WebhookRepository>,
        targets: Arc<dyn PushTargetPolicy>,
        secrets: Arc<dyn SecretGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            webhooks,
            targets,
            secrets,
            clock,
        }
    }

    /// `Forbidden` unless the actor is a global admin; `Validation` naming `events` or
    /// `url` (not https, or resolving to a private address where that is not allowed);
    /// `NotFound("conversation")` for a conversation that does not exist.
    pub async fn execute(
        &self,
        actor: &Actor,
        input: CreateWebhookInput,
    ) -> Result<Webhook, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        let events = WebhookEvents::parse(&input.events)?;
        self.targets
            .check(&input.url)
            .await
            .map_err(|why| ValidationError::new("url", why))?;
        let webhook = Webhook {
            id: WebhookId::generate(),
            url: input.url,
            events,
            conversation_id: input.conversation_id,
            secret: self.secrets.generate().expose().to_owned(),
            created_by: actor.user_id,
            created_at: self.clock.now(),
            disabled_at: None,
            consecutive_failures: 0,
        };
        self.webhooks
            .create(&webhook)
            .await
            .map_err(not_found_as("conversation"))?;
        tracing::info!(admin = %actor.user_id, webhook_id = %webhook.id, "webhook created");
        Ok(webhook)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{MockPushTargetPolicy, MockSecretGenerator, MockWebhookRepository};
    use palaver_domain::secret::SecretToken;

    fn creator(webhooks: MockWebhookRepository, target_ok: bool) -> CreateWebhook {
        let mut targets = MockPushTargetPolicy::new();
        targets.expect_check().returning(move |_| {
            if target_ok {
                Ok(())
            } else {
                Err("must be an https:// URL".into())
            }
        });
        let mut secrets = MockSecretGenerator::new();
        secrets
            .expect_generate()
            .returning(|| SecretToken::presented("hook-secret"));
        CreateWebhook::new(
            Arc::new(webhooks),
            Arc::new(targets),
            Arc::new(secrets),
            fixed_clock(),
        )
    }

    fn input(events: &[&str]) -> CreateWebhookInput {
        CreateWebhookInput {
            url: "https://example.org/hook".into(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            conversation_id: None,
        }
    }

    #[tokio::test]
    async fn an_admin_creates_a_webhook_with_a_fresh_secret() {
        let mut webhooks = MockWebhookRepository::new();
        webhooks
            .expect_create()
            .withf(|hook| {
                hook.secret == "hook-secret"
                    && hook.events.as_slice() == ["message.created"]
                    && hook.disabled_at.is_none()
                    && hook.created_at == now()
            })
            .times(1)
            .returning(|_| Ok(()));
        let hook = creator(webhooks, true)
            .execute(&actor_for(&admin("root")), input(&["message.created"]))
            .await
            .unwrap();
        assert_eq!(hook.url, "https://example.org/hook");
    }

    #[tokio::test]
    async fn people_bad_events_bad_urls_and_missing_conversations_are_refused() {
        let refused = |webhooks| creator(webhooks, true);
        let mut never = MockWebhookRepository::new();
        never.expect_create().never();
        let error = refused(never)
            .execute(&actor_for(&user("ann")), input(&["message.created"]))
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::Forbidden(_)));

        let mut never = MockWebhookRepository::new();
        never.expect_create().never();
        let error = refused(never)
            .execute(&actor_for(&admin("root")), input(&["message.sent"]))
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::Validation(e) if e.field == "events"));

        let mut never = MockWebhookRepository::new();
        never.expect_create().never();
        let error = creator(never, false)
            .execute(&actor_for(&admin("root")), input(&["message.created"]))
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::Validation(e) if e.field == "url"));

        let mut gone = MockWebhookRepository::new();
        gone.expect_create()
            .returning(|_| Err(RepositoryError::NotFound));
        let error = refused(gone)
            .execute(&actor_for(&admin("root")), input(&["message.created"]))
            .await
            .unwrap_err();
        assert!(matches!(error, ApplicationError::NotFound("conversation")));
    }
}
