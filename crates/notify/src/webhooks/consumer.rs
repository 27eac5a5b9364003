//! Turns committed events into stored deliveries for the webhooks that want them.

use crate::consumer::EventConsumer;
use async_trait::async_trait;
use chrono::Utc;
use palaver_domain::conversation::{ConversationEvent, ConversationId};
use palaver_domain::error::BoxError;
use palaver_domain::notification::{DeliveryState, Webhook, WebhookDelivery, WebhookDeliveryId};
use palaver_domain::ports::WebhookRepository;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::Notify;

/// The consumer's name, under which its cursors are kept.
pub const WEBHOOKS_CONSUMER: &str = "webhooks";

/// What a receiver gets, exactly as it is signed.
#[derive(Serialize)]
struct Body<'a> {
    id: uuid::Uuid,
    event: &'a str,
    conversation_id: uuid::Uuid,
    seq: i64,
    /// The event frame, as the WebSocket sends it.
    data: serde_json::Value,
    #[serde(serialize_with = "palaver_realtime::wire::rfc3339")]
    created_at: chrono::DateTime<Utc>,
}

pub struct WebhookConsumer {
    webhooks: Arc<dyn WebhookRepository>,
    /// Told when deliveries were stored, so the sender need not wait for its next poll.
    stored: Arc<Notify>,
}

impl WebhookConsumer {
    pub fn new(webhooks: Arc<dyn WebhookRepository>, stored: Arc<Notify>) -> Self {
        Self { webhooks, stored }
    }

    fn delivery(webhook: &Webhook, event: &ConversationEvent) -> Result<WebhookDelivery, BoxError> {
        let id = WebhookDeliveryId::generate();
        let event_type = event.payload.type_name();
        let frame = palaver_realtime::frames::event(event.clone());
        let body = serde_json::to_string(&Body {
            id: id.as_uuid(),
            event: event_type,
            conversation_id: event.conversation_id.as_uuid(),
            seq: event.seq,
            data: serde_json::from_str(&frame)?,
            created_at: event.created_at,
        })?;
        let now = Utc::now();
        Ok(WebhookDelivery {
            id,
            webhook_id: webhook.id,
            conversation_id: event.conversation_id,
            seq: event.seq,
            event_type: event_type.to_owned(),
            body,
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            finished_at: None,
        })
    }
}

#[async_trait]
impl EventConsumer for WebhookConsumer {
    fn name(&self) -> &str {
        WEBHOOKS_CONSUMER
    }

    async fn consume(
        &self,
        conversation: ConversationId,
        events: &[ConversationEvent],
    ) -> Result<(), BoxError> {
        let webhooks = self.webhooks.active_for(conversation).await?;
        if webhooks.is_empty() {
            return Ok(());
        }
        let mut deliveries = Vec::new();
        for event in events {
            for webhook in &webhooks {
                if webhook.wants(conversation, event.payload.type_name()) {
                    deliveries.push(Self::delivery(webhook, event)?);
                }
            }
        }
        if !deliveries.is_empty() {
            self.webhooks.enqueue(&deliveries).await?;
            self.stored.notify_one();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::conversation::{EventPayload, MessageId};
    use palaver_domain::notification::{WebhookEvents, WebhookId};
    use palaver_domain::ports::MockWebhookRepository;
    use palaver_domain::user::UserId;

    fn webhook(events: &[&str], only: Option<ConversationId>) -> Webhook {
        Webhook {
            id: WebhookId::generate(),
            url: "https://example.org/hook".into(),
            events: WebhookEvents::parse(
                &events.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>(),
            )
            .unwrap(),
            conversation_id: only,
            secret: "s".into(),
            created_by: UserId::generate(),
            created_at: Utc::now(),
            disabled_at: None,
            consecutive_failures: 0,
        }
    }

    fn deleted(conversation: ConversationId, seq: i64) -> ConversationEvent {
        ConversationEvent {
            conversation_id: conversation,
            seq,
            created_at: Utc::now(),
            payload: EventPayload::MessageDeleted {
                message_id: MessageId::generate(),
            },
        }
    }

    #[tokio::test]
    async fn each_wanted_event_becomes_one_delivery_per_webhook_with_the_frame_as_data() {
        let conversation = ConversationId::generate();
        let wanting = webhook(&["message.deleted"], None);
        let other = webhook(&["message.created"], None);
        let wanting_id = wanting.id;
        let mut repo = MockWebhookRepository::new();
        repo.expect_active_for()
            .returning(move |_| Ok(vec![wanting.clone(), other.clone()]));
        repo.expect_enqueue()
            .withf(move |deliveries| {
                deliveries.len() == 2
                    && deliveries.iter().all(|d| d.webhook_id == wanting_id)
                    && deliveries.iter().map(|d| d.seq).collect::<Vec<_>>() == [4, 5]
                    && deliveries.iter().all(|d| {
                        let body: serde_json::Value = serde_json::from_str(&d.body).unwrap();
                        body["id"] == d.id.as_uuid().to_string()
                            && body["event"] == "message.deleted"
                            && body["seq"] == d.seq
                            && body["data"]["type"] == "message.deleted"
                            && body["data"]["seq"] == d.seq
                    })
            })
            .times(1)
            .returning(|_| Ok(()));
        let stored = Arc::new(Notify::new());
        let consumer = WebhookConsumer::new(Arc::new(repo), stored.clone());
        consumer
            .consume(
                conversation,
                &[deleted(conversation, 4), deleted(conversation, 5)],
            )
            .await
            .unwrap();
        // the sender was told
        tokio::time::timeout(std::time::Duration::from_secs(1), stored.notified())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn without_a_wanting_webhook_nothing_is_stored() {
        let conversation = ConversationId::generate();
        let mut repo = MockWebhookRepository::new();
        let unwanted = webhook(&["message.created"], None);
        repo.expect_active_for()
            .returning(move |_| Ok(vec![unwanted.clone()]));
        repo.expect_enqueue().never();
        let consumer = WebhookConsumer::new(Arc::new(repo), Arc::new(Notify::new()));
        consumer
            .consume(conversation, &[deleted(conversation, 1)])
            .await
            .unwrap();
    }
}
