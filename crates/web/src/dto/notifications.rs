//! Bodies of the notification routes: Web Push subscriptions, preferences, levels.

use crate::dto::rfc3339;
use chrono::{DateTime, Utc};
use palaver_application::notifications::{PreferencesPatch, PushSubscriptionRequest, Unsubscribed};
use palaver_domain::notification::{Preferences, PushSubscription};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct PushKeysRequest {
    /// The browser's P-256 public key, uncompressed (65 bytes), base64url.
    #[schema(max_length = 100)]
    pub p256dh: String,
    /// The browser's 16-byte authentication secret, base64url.
    #[schema(max_length = 40)]
    pub auth: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PushSubscriptionBody {
    /// The push service's URL: `https://`, not resolving to a loopback or private address
    /// (unless `notifications.allow_private_targets`).
    #[schema(max_length = 2048)]
    pub endpoint: String,
    pub keys: PushKeysRequest,
}

impl From<PushSubscriptionBody> for PushSubscriptionRequest {
    fn from(body: PushSubscriptionBody) -> Self {
        Self {
            endpoint: body.endpoint,
            p256dh: body.keys.p256dh,
            auth: body.keys.auth,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PushKeysResponse {
    pub p256dh: String,
    pub auth: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PushSubscription)]
pub struct PushSubscriptionResponse {
    pub id: Uuid,
    pub endpoint: String,
    pub keys: PushKeysResponse,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl From<PushSubscription> for PushSubscriptionResponse {
    fn from(subscription: PushSubscription) -> Self {
        Self {
            id: subscription.id.as_uuid(),
            keys: PushKeysResponse {
                p256dh: subscription.keys.p256dh_base64(),
                auth: subscription.keys.auth_base64(),
            },
            endpoint: subscription.endpoint,
            created_at: subscription.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VapidPublicKey {
    /// The server's VAPID public key (uncompressed P-256, base64url), the
    /// `applicationServerKey` of `pushManager.subscribe`.
    pub key: String,
}

/// `email_notifications`: when digest mails are sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmailNotificationsName {
    Never,
    Mentions,
    All,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Preferences)]
pub struct PreferencesResponse {
    #[schema(value_type = EmailNotificationsName)]
    pub email_notifications: &'static str,
    /// How long a message waits before it goes into a digest mail, in seconds.
    pub email_delay_secs: u32,
    /// A BCP 47 language tag.
    pub locale: String,
    /// An IANA time zone name.
    pub time_zone: String,
}

impl From<Preferences> for PreferencesResponse {
    fn from(preferences: Preferences) -> Self {
        Self {
            email_notifications: preferences.email_notifications.as_str(),
            email_delay_secs: preferences.email_delay_secs,
            locale: preferences.locale.as_str().to_owned(),
            time_zone: preferences.time_zone.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PreferencesPatchRequest {
    #[schema(value_type = Option<EmailNotificationsName>)]
    pub email_notifications: Option<String>,
    /// 0 to 86400.
    #[schema(minimum = 0, maximum = 86400)]
    pub email_delay_secs: Option<i64>,
    /// A BCP 47 language tag such as `en` or `pt-BR`.
    #[schema(max_length = 35)]
    pub locale: Option<String>,
    /// An IANA time zone name such as `UTC` or `Europe/Paris`.
    #[schema(max_length = 64)]
    pub time_zone: Option<String>,
}

impl From<PreferencesPatchRequest> for PreferencesPatch {
    fn from(body: PreferencesPatchRequest) -> Self {
        Self {
            email_notifications: body.email_notifications,
            email_delay_secs: body.email_delay_secs,
            locale: body.locale,
            time_zone: body.time_zone,
        }
    }
}

/// A conversation's notification level for the caller.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevelName {
    All,
    Mentions,
    None,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConversationNotificationsRequest {
    #[schema(value_type = NotificationLevelName)]
    pub level: String,
    /// Nothing reaches the caller from this conversation before then (RFC 3339).
    pub muted_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeQuery {
    /// The signed token of the link in a digest mail.
    #[param(max_length = 200)]
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnsubscribeResponse {
    /// `email`: no more digest mails; `conversation`: that conversation's level is `none`.
    pub unsubscribed: &'static str,
    pub conversation_id: Option<Uuid>,
}

impl From<Unsubscribed> for UnsubscribeResponse {
    fn from(done: Unsubscribed) -> Self {
        match done {
            Unsubscribed::Email => Self {
                unsubscribed: "email",
                conversation_id: None,
            },
            Unsubscribed::Conversation(id) => Self {
                unsubscribed: "conversation",
                conversation_id: Some(id.as_uuid()),
            },
        }
    }
}
