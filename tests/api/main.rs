//! Black-box tests of the whole server over HTTP. Each test starts its own server on port
//! 0 with a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod admin;
mod attachments;
mod auth;
mod authorization;
mod bots;
mod conversations;
mod documents;
mod errors;
mod hygiene;
mod messages;
mod notifications;
mod operations;
mod password_reset;
mod protocol_errors;
mod realtime;
mod rich;
mod sessions;
mod throttling;
mod unavailable;
mod users;
mod web_client;
mod webhooks;
