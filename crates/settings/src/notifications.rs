//! `[notifications]`: reaching people who are offline (Web Push, digest mails).

use crate::Secret;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct NotificationSettings {
    /// Whether the pipeline runs at all.
    pub enabled: bool,
    /// How long a new message waits for its reader before it is pushed.
    pub delay_secs: u64,
    /// Whether push endpoints (and webhook URLs) may be plain http or resolve to loopback
    /// or private addresses: true in the development and test environments only.
    pub allow_private_targets: bool,
    /// The VAPID key pair's private key, base64url (32 bytes). Empty: a pair is generated
    /// on first start and kept in the database.
    pub vapid_private_key: Secret,
    /// The `sub` claim of the VAPID token: a `mailto:` or `https:` contact of the operator.
    pub vapid_subject: String,
    /// How often one push is tried before it is given up, and the first retry's wait
    /// (doubling each time, Retry-After honoured).
    pub push_max_attempts: u32,
    pub push_retry_base_secs: u64,
    /// The `TTL` header of each push, in seconds.
    pub push_ttl_secs: u64,
    /// Links in digest mails (unsubscribe) start with this: the server's public address.
    pub public_url: String,
    /// How often the pipeline looks for work it was not told about (messages committed by
    /// a node that died, pending notifications falling due), in milliseconds.
    pub poll_interval_ms: u64,
}

/// Webhook deliveries: retried with backoff, given up after a while, and the webhook
/// disabled after too many failures in a row. Webhook URLs follow the notifications'
/// `allow_private_targets`.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    /// The first retry's wait, in milliseconds; each later one doubles, up to
    /// `retry_max_secs`.
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
    /// A delivery still failing this long after its event is given up.
    pub give_up_after_secs: u64,
    /// Failed attempts in a row (over all its deliveries) that disable a webhook; 0 never.
    pub disable_after_failures: u32,
    /// How long one POST may take.
    pub timeout_secs: u64,
    /// How long delivered and given-up deliveries stay in the log, in days.
    pub keep_deliveries_days: u32,
}
