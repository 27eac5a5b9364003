//! Rows to domain types and back.

use crate::entities::{webhook_attempts, webhook_deliveries, webhooks};
use crate::error::corrupt;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{
    DeliveryState, Webhook, WebhookAttempt, WebhookDelivery, WebhookDeliveryId, WebhookEvents,
    WebhookId,
};
use palaver_domain::user::UserId;
use sea_orm::ActiveValue::Set;

/// Event type names are dotted words: no comma in any, so a comma separates them.
const EVENT_SEPARATOR: char = ',';

/// An attempt's error is cut to this many characters when stored (the column's length).
pub const ERROR_LEN: usize = 500;

pub fn webhook_row(webhook: &Webhook) -> webhooks::ActiveModel {
    webhooks::ActiveModel {
        id: Set(webhook.id.as_uuid()),
        url: Set(webhook.url.clone()),
        events: Set(webhook.events.as_slice().join(&EVENT_SEPARATOR.to_string())),
        conversation_id: Set(webhook.conversation_id.map(|c| c.as_uuid())),
        secret: Set(webhook.secret.clone()),
        created_by: Set(webhook.created_by.as_uuid()),
        created_at: Set(webhook.created_at),
        disabled_at: Set(webhook.disabled_at),
        consecutive_failures: Set(count_to_row(webhook.consecutive_failures)),
    }
}

pub fn webhook_from_row(row: webhooks::Model) -> Result<Webhook, RepositoryError> {
    let names: Vec<String> = row
        .events
        .split(EVENT_SEPARATOR)
        .map(str::to_owned)
        .collect();
    Ok(Webhook {
        id: WebhookId::from_uuid(row.id),
        url: row.url,
        events: WebhookEvents::parse(&names).map_err(|e| corrupt("webhooks", e))?,
        conversation_id: row.conversation_id.map(ConversationId::from_uuid),
        secret: row.secret,
        created_by: UserId::from_uuid(row.created_by),
        created_at: row.created_at,
        disabled_at: row.disabled_at,
        consecutive_failures: count_from_row("webhooks", row.consecutive_failures)?,
    })
}

pub fn delivery_row(delivery: &WebhookDelivery) -> webhook_deliveries::ActiveModel {
    webhook_deliveries::ActiveModel {
        id: Set(delivery.id.as_uuid()),
        webhook_id: Set(delivery.webhook_id.as_uuid()),
        conversation_id: Set(delivery.conversation_id.as_uuid()),
        seq: Set(delivery.seq),
        event_type: Set(delivery.event_type.clone()),
        body: Set(delivery.body.clone()),
        state: Set(delivery.state.as_str().to_owned()),
        attempts: Set(count_to_row(delivery.attempts)),
        next_attempt_at: Set(delivery.next_attempt_at),
        lease_until: Set(None),
        created_at: Set(delivery.created_at),
        finished_at: Set(delivery.finished_at),
    }
}

pub fn delivery_from_row(
    row: webhook_deliveries::Model,
) -> Result<WebhookDelivery, RepositoryError> {
    const TABLE: &str = "webhook_deliveries";
    Ok(WebhookDelivery {
        id: WebhookDeliveryId::from_uuid(row.id),
        webhook_id: WebhookId::from_uuid(row.webhook_id),
        conversation_id: ConversationId::from_uuid(row.conversation_id),
        seq: row.seq,
        event_type: row.event_type,
        body: row.body,
        state: DeliveryState::parse(&row.state)
            .ok_or_else(|| corrupt(TABLE, format!("state {:?}", row.state)))?,
        attempts: count_from_row(TABLE, row.attempts)?,
        next_attempt_at: row.next_attempt_at,
        created_at: row.created_at,
        finished_at: row.finished_at,
    })
}

pub fn attempt_row(attempt: &WebhookAttempt) -> webhook_attempts::ActiveModel {
    webhook_attempts::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        delivery_id: Set(attempt.delivery_id.as_uuid()),
        attempted_at: Set(attempt.attempted_at),
        status: Set(attempt.status.map(i32::from)),
        error: Set(attempt
            .error
            .as_deref()
            .map(|error| error.chars().take(ERROR_LEN).collect())),
        duration_ms: Set(i64::from(attempt.duration_ms)),
    }
}

pub fn attempt_from_row(row: webhook_attempts::Model) -> Result<WebhookAttempt, RepositoryError> {
    const TABLE: &str = "webhook_attempts";
    Ok(WebhookAttempt {
        delivery_id: WebhookDeliveryId::from_uuid(row.delivery_id),
        attempted_at: row.attempted_at,
        status: row
            .status
            .map(u16::try_from)
            .transpose()
            .map_err(|e| corrupt(TABLE, e))?,
        error: row.error,
        duration_ms: u32::try_from(row.duration_ms).map_err(|e| corrupt(TABLE, e))?,
    })
}

/// A count (attempts, failures) as its INTEGER column holds it; one that large never
/// happens, so it is held at the column's ceiling rather than refused.
pub fn count_to_row(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

fn count_from_row(table: &str, count: i32) -> Result<u32, RepositoryError> {
    u32::try_from(count).map_err(|e| corrupt(table, e))
}
