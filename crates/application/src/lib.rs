//! Palaver's use-cases. Each file holds one, built from the ports it needs as
//! `Arc<dyn Port>` and unit-tested against mockall mocks of those ports.

pub mod accounts;
pub mod admin;
pub mod attachments;
pub mod bots;
pub mod conversations;
mod error;
pub mod messages;
pub mod notifications;
pub mod page;
pub mod users;
pub mod webhooks;

#[cfg(test)]
mod test_support;

pub use error::{ApplicationError, AuthFailure};
