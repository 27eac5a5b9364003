//! The WebSocket gateway, black-box: every frame type, every error, and the delivery
//! guarantees, against a real server with a fresh database.

mod backpressure;
mod basics;
mod commands;
mod errors;
mod fanout;
mod handshake;
pub(crate) mod helpers;
mod lifecycle;
mod membership;
mod oversized;
mod pipelining;
mod presence;
mod sync;
mod typing;
