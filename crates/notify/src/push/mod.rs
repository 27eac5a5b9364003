//! Web Push: RFC 8291 (aes128gcm) bodies, RFC 8292 (VAPID) authorization, the payload.

mod client;
mod payload;
mod vapid;

pub use client::{PushOutcome, WebPushClient};
pub use payload::{MAX_PAYLOAD_BYTES, PushPayload, PushSender};
pub use vapid::VapidKeys;
