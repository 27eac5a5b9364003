//! Conversation and message repository tests against a real database: SQLite by default,
//! PostgreSQL or MySQL when PALAVER_TEST_DATABASE_URL is set. Each test gets a fresh one.
//! One test binary, its tests grouped by what they cover.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

#[path = "../common/mod.rs"]
mod common;
mod fixtures;

mod admin;
mod annotations;
mod announcing;
mod batching;
mod concurrency;
mod events_and_seqs;
mod lifecycle;
mod listing;
mod membership;
mod messages;
mod permissions;
mod presence;
mod search;
