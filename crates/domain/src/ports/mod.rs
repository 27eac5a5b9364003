//! The ports: what the application needs from the outside world. Adapters in the outer
//! crates implement them; use-cases take them as `Arc<dyn Port>`.

mod accounts;
mod admin;
mod attachments;
mod bots;
mod conversations;
mod infrastructure;
mod notifications;
mod storage;
mod webhooks;

pub use accounts::*;
pub use admin::*;
pub use attachments::*;
pub use bots::*;
pub use conversations::*;
pub use infrastructure::*;
pub use notifications::*;
pub use storage::*;
pub use webhooks::*;
