//! Webhooks: committed events POSTed to a URL outside Palaver, signed, in order per
//! conversation, at least once.

use crate::ValidationError;
use crate::conversation::{ConversationId, EventPayload};
use crate::id::uuid_id;
use crate::user::UserId;
use chrono::{DateTime, Utc};

uuid_id!(
    /// A webhook's id.
    WebhookId
);

uuid_id!(
    /// One event's delivery to one webhook (the `id` in the body the receiver gets, the
    /// same on every attempt, so that receivers can drop repeats).
    WebhookDeliveryId
);

/// Most event types one webhook may name.
const MAX_EVENT_TYPES: usize = EventPayload::TYPE_NAMES.len();

/// The event types a webhook wants: known names, each once, at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvents(Vec<String>);

impl WebhookEvents {
    pub fn parse(raw: &[String]) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > MAX_EVENT_TYPES {
            return Err(ValidationError::new(
                "events",
                format!("must name 1 to {MAX_EVENT_TYPES} event types"),
            ));
        }
        let mut events: Vec<String> = Vec::with_capacity(raw.len());
        for name in raw {
            if !EventPayload::TYPE_NAMES.contains(&name.as_str()) {
                return Err(ValidationError::new(
                    "events",
                    format!(
                        "unknown event type; known: {}",
                        EventPayload::TYPE_NAMES.join(", ")
                    ),
                ));
            }
            if !events.contains(name) {
                events.push(name.clone());
            }
        }
        Ok(Self(events))
    }

    pub fn includes(&self, event_type: &str) -> bool {
        self.0.iter().any(|name| name == event_type)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// Where events go, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    /// Checked against the target rules when created (and again before each send).
    pub url: String,
    pub events: WebhookEvents,
    /// Only this conversation's events; every conversation's when `None`.
    pub conversation_id: Option<ConversationId>,
    /// Keys the HMAC-SHA256 signature of every body.
    pub secret: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// Set when the webhook was disabled after repeated failures; nothing is sent then.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
}

impl Webhook {
    /// Whether an event of this type in this conversation goes to the webhook.
    pub fn wants(&self, conversation: ConversationId, event_type: &str) -> bool {
        self.disabled_at.is_none()
            && self.conversation_id.is_none_or(|only| only == conversation)
            && self.events.includes(event_type)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_attempt_at`.
    Pending,
    Delivered,
    /// Given up (failing for longer than the retry window).
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One event for one webhook. Its body is made once and sent byte for byte on every
/// attempt, so the signature and the receiver's view never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub event_type: String,
    pub body: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What one attempt got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub delivery_id: WebhookDeliveryId,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did (a status other than 2xx, a timeout, a refused target).
    pub error: Option<String>,
    pub duration_ms: u32,
}

impl WebhookAttempt {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// A delivery and the attempts made at it, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub delivery: WebhookDelivery,
    pub attempts: Vec<WebhookAttempt>,
}

/// A delivery claimed for sending, with what sending needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub delivery: WebhookDelivery,
    pub url: String,
    pub secret: String,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(DateTime<Utc>),
    GiveUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &[&str]) -> Vec<String> {
        raw.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn event_types_must_be_known_and_at_least_one() {
        assert!(WebhookEvents::parse(&[]).is_err());
        assert!(WebhookEvents::parse(&names(&["message.sent"])).is_err());
        let events = WebhookEvents::parse(&names(&["message.created", "message.created"])).unwrap();
        assert_eq!(events.as_slice(), ["message.created"]);
        assert!(WebhookEvents::parse(&names(&EventPayload::TYPE_NAMES)).is_ok());
    }

    #[test]
    fn a_webhook_wants_its_types_in_its_conversation_while_enabled() {
        let only = ConversationId::generate();
        let mut hook = Webhook {
            id: WebhookId::generate(),
            url: "https://example.org/hook".into(),
            events: WebhookEvents::parse(&names(&["message.created"])).unwrap(),
            conversation_id: Some(only),
            secret: "s".into(),
            created_by: UserId::generate(),
            created_at: Utc::now(),
            disabled_at: None,
            consecutive_failures: 0,
        };
        assert!(hook.wants(only, "message.created"));
        assert!(!hook.wants(only, "message.deleted"));
        assert!(!hook.wants(ConversationId::generate(), "message.created"));
        hook.conversation_id = None;
        assert!(hook.wants(ConversationId::generate(), "message.created"));
        hook.disabled_at = Some(Utc::now());
        assert!(!hook.wants(only, "message.created"));
    }
}
