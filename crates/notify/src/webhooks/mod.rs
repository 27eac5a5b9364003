//! Webhooks: every committed event a webhook wants is stored as a delivery (by an
//! [`EventConsumer`](crate::EventConsumer), so in seq order and at least once), then POSTed
//! by a task of its own, signed, one delivery at a time per webhook and conversation (the
//! next waits until this one is delivered or given up), retried with backoff.

mod consumer;
mod schedule;
mod sender;
mod signature;

pub use consumer::{WEBHOOKS_CONSUMER, WebhookConsumer};
pub use schedule::RetrySchedule;
pub use sender::{WebhookSender, WebhookSenderSettings};
pub use signature::{SIGNATURE_HEADER, signature};
