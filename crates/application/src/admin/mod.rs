//! What global admins see across the whole server.

mod get_stats;
mod list_all_conversations;

pub use get_stats::{GetStats, ServerStats};
pub use list_all_conversations::ListAllConversations;
