//! Notifications for people who are offline: per-conversation levels, the user's
//! preferences, Web Push subscriptions and the work the pipeline keeps in the database.

mod preferences;
mod push;
mod webhook;

pub use preferences::{EmailNotifications, Locale, Preferences, TimeZoneName};
pub use push::{PushKeys, PushSubscription, PushSubscriptionId};
pub use webhook::{
    AttemptOutcome, DeliveryRecord, DeliveryState, DueDelivery, Webhook, WebhookAttempt,
    WebhookDelivery, WebhookDeliveryId, WebhookEvents, WebhookId,
};

use crate::ValidationError;
use crate::conversation::ConversationId;
use crate::user::UserId;
use chrono::{DateTime, Utc};

/// How much of a conversation reaches a member who is offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotificationLevel {
    /// Every new message (the default).
    #[default]
    All,
    /// Only messages that mention them.
    Mentions,
    /// Nothing.
    None,
}

impl NotificationLevel {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "all" => Ok(Self::All),
            "mentions" => Ok(Self::Mentions),
            "none" => Ok(Self::None),
            _ => Err(ValidationError::new(
                "level",
                "must be one of all, mentions, none",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Mentions => "mentions",
            Self::None => "none",
        }
    }
}

/// A member's setting for one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConversationNotifications {
    pub level: NotificationLevel,
    /// Nothing reaches them before this time, whatever the level.
    pub muted_until: Option<DateTime<Utc>>,
}

/// Which way a pending notification goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Push,
    Mail,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::Mail => "mail",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "push" => Some(Self::Push),
            "mail" => Some(Self::Mail),
            _ => None,
        }
    }
}

/// One member to notify about a conversation, kept in the database until it is due, so that
/// a restart does not lose it. At most one per user, conversation and channel: later
/// messages join the one already waiting (one push, one digest per delay window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotification {
    pub id: uuid::Uuid,
    pub user_id: UserId,
    pub conversation_id: ConversationId,
    pub channel: Channel,
    /// The first message's seq this notification is about.
    pub first_seq: i64,
    pub due_at: DateTime<Utc>,
    /// How many times sending it failed and was put off.
    pub attempts: u32,
    /// After a push some subscriptions accepted and others asked to be tried again: those
    /// others, the only ones the retry goes to. `None`: every subscription of the user.
    pub retry_only: Option<Vec<PushSubscriptionId>>,
}

/// What the pipeline knows about one member when a notification falls due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientFacts {
    pub user_id: UserId,
    pub username: String,
    pub email: Option<String>,
    pub last_read_seq: i64,
    /// Up to where their devices received the conversation (the `delivered` marker).
    pub last_delivered_seq: i64,
    pub settings: ConversationNotifications,
    pub preferences: Preferences,
}
