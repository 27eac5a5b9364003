//! Webhooks, managed by global admins: committed events POSTed to a URL outside Palaver.
//! The deliveries themselves are made by the notification pipeline (`palaver-notify`).

mod create_webhook;
mod manage_webhooks;

pub use create_webhook::{CreateWebhook, CreateWebhookInput};
pub use manage_webhooks::ManageWebhooks;
