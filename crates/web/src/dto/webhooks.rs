//! Bodies of the webhook routes.

use crate::dto::{rfc3339, rfc3339_opt};
use chrono::{DateTime, Utc};
use palaver_application::webhooks::CreateWebhookInput;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{DeliveryRecord, DeliveryState, Webhook, WebhookAttempt};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where events are POSTed: `https://`, not resolving to a loopback or private address
    /// (unless `notifications.allow_private_targets`).
    #[schema(max_length = 2048)]
    pub url: String,
    /// The event types to send, at least one.
    #[schema(value_type = Vec<crate::openapi::schemas::EventType>, min_items = 1)]
    pub events: Vec<String>,
    /// Only this conversation's events; every conversation's when absent.
    pub conversation_id: Option<Uuid>,
}

impl From<CreateWebhookRequest> for CreateWebhookInput {
    fn from(body: CreateWebhookRequest) -> Self {
        Self {
            url: body.url,
            events: body.events,
            conversation_id: body.conversation_id.map(ConversationId::from_uuid),
        }
    }
}

/// `PATCH /api/webhooks/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// `true` enables a webhook disabled after failures (its failures forgotten, what it
    /// had pending sent at once); `false` disables it.
    pub enabled: bool,
}

/// A webhook. Its secret is shown only when it is created.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookResponse {
    pub id: Uuid,
    pub url: String,
    #[schema(value_type = Vec<crate::openapi::schemas::EventType>)]
    pub events: Vec<String>,
    pub conversation_id: Option<Uuid>,
    /// `false` once it was disabled (after repeated failures, or by an admin).
    pub enabled: bool,
    #[serde(serialize_with = "rfc3339_opt")]
    pub disabled_at: Option<DateTime<Utc>>,
    /// Failed attempts since the last delivery that succeeded.
    pub consecutive_failures: u32,
    pub created_by: Uuid,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookResponse {
    fn from(webhook: Webhook) -> Self {
        Self {
            id: webhook.id.as_uuid(),
            url: webhook.url,
            events: webhook.events.as_slice().to_vec(),
            conversation_id: webhook.conversation_id.map(|id| id.as_uuid()),
            enabled: webhook.disabled_at.is_none(),
            disabled_at: webhook.disabled_at,
            consecutive_failures: webhook.consecutive_failures,
            created_by: webhook.created_by.as_uuid(),
            created_at: webhook.created_at,
        }
    }
}

/// A new webhook and the secret its bodies are signed with, shown this once:
/// `X-Palaver-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookResponse {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    pub secret: String,
}

impl From<Webhook> for CreatedWebhookResponse {
    fn from(webhook: Webhook) -> Self {
        let secret = webhook.secret.clone();
        Self {
            webhook: webhook.into(),
            secret,
        }
    }
}

/// `GET /api/webhooks`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStateName {
    Pending,
    Delivered,
    Failed,
}

impl From<DeliveryState> for DeliveryStateName {
    fn from(state: DeliveryState) -> Self {
        match state {
            DeliveryState::Pending => Self::Pending,
            DeliveryState::Delivered => Self::Delivered,
            DeliveryState::Failed => Self::Failed,
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAttemptResponse {
    #[serde(serialize_with = "rfc3339")]
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why the attempt failed; absent when it succeeded.
    pub error: Option<String>,
    pub duration_ms: u32,
}

impl From<WebhookAttempt> for WebhookAttemptResponse {
    fn from(attempt: WebhookAttempt) -> Self {
        Self {
            attempted_at: attempt.attempted_at,
            status: attempt.status,
            error: attempt.error,
            duration_ms: attempt.duration_ms,
        }
    }
}

/// One event for the webhook, and the attempts at it, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryResponse {
    /// The `id` in the body the receiver gets, the same on every attempt.
    pub id: Uuid,
    #[schema(value_type = crate::openapi::schemas::EventType)]
    pub event: String,
    pub conversation_id: Uuid,
    pub seq: i64,
    pub state: DeliveryStateName,
    /// When it is tried next, while it is pending.
    #[serde(serialize_with = "rfc3339_opt")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: Vec<WebhookAttemptResponse>,
}

impl From<DeliveryRecord> for WebhookDeliveryResponse {
    fn from(record: DeliveryRecord) -> Self {
        let delivery = record.delivery;
        Self {
            id: delivery.id.as_uuid(),
            event: delivery.event_type,
            conversation_id: delivery.conversation_id.as_uuid(),
            seq: delivery.seq,
            next_attempt_at: (delivery.state == DeliveryState::Pending)
                .then_some(delivery.next_attempt_at),
            state: delivery.state.into(),
            created_at: delivery.created_at,
            finished_at: delivery.finished_at,
            attempts: record.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

/// `GET /api/webhooks/{id}/deliveries`: the newest 100 deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryList {
    pub items: Vec<WebhookDeliveryResponse>,
}
