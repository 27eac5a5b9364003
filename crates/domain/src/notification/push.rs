use crate::ValidationError;
use crate::id::uuid_id;
use crate::user::UserId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

uuid_id!(
    /// A Web Push subscription's id.
    PushSubscriptionId
);

/// A browser's keys for one subscription (RFC 8291): its P-256 public key, uncompressed
/// (65 bytes), and its 16-byte authentication secret, both base64url as the browser gives
/// them (padding tolerated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushKeys {
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
}

impl PushKeys {
    pub fn parse(p256dh: &str, auth: &str) -> Result<Self, ValidationError> {
        let decode = |raw: &str| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok();
        let p256dh = decode(p256dh)
            .filter(|key| key.len() == 65 && key[0] == 4)
            .ok_or_else(|| {
                ValidationError::new(
                    "keys.p256dh",
                    "must be an uncompressed P-256 public key (65 bytes), base64url",
                )
            })?;
        let auth = decode(auth).filter(|key| key.len() == 16).ok_or_else(|| {
            ValidationError::new("keys.auth", "must be a 16-byte secret, base64url")
        })?;
        Ok(Self { p256dh, auth })
    }

    pub fn p256dh_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.p256dh)
    }

    pub fn auth_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.auth)
    }
}

/// Where a browser wants its pushes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSubscription {
    pub id: PushSubscriptionId,
    pub user_id: UserId,
    /// The push service's URL, checked against the target rules when subscribed.
    pub endpoint: String,
    pub keys: PushKeys,
    pub created_at: DateTime<Utc>,
}
