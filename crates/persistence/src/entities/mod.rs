//! Table shapes, one module per table, as sea-orm entities.

pub mod attachments;
pub mod bot_tokens;
pub mod conversation_members;
pub mod conversations;
pub mod events;
pub mod message_mentions;
pub mod message_pins;
pub mod message_reactions;
pub mod messages;
pub mod password_reset_tokens;
pub mod refresh_tokens;
pub mod sessions;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhooks;
