//! Palaver's domain: entities, validated value types, domain errors and the ports the
//! outer layers implement. Nothing here performs I/O or knows about a framework.

pub mod attachment;
pub mod auth;
pub mod conversation;
pub mod error;
mod id;
pub mod notification;
pub mod ports;
pub mod secret;
pub mod text;
pub mod user;

pub use error::{RepositoryError, Taken, ValidationError};
