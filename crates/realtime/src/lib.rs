//! The real-time side of Palaver, with no web framework: the registry of open
//! connections, fan-out of committed events and other notifications, cluster-wide
//! presence, and the state each connection keeps about what it has sent.
//!
//! - [`Hub`] implements the `Notifier` port: use-cases (and the message writer, which
//!   announces what it commits in seq order) hand it notifications; it renders each frame
//!   once and offers the shared text to every recipient's bounded queue.
//! - [`ClusterPresence`] implements the `PresenceDirectory` port.
//! - The hub learns who a frame is for only through the narrow [`Audiences`] port.
//! - [`Delivered`] and [`Inbox`] are the per-connection stream state a socket driver (the
//!   one in the web crate) keeps: exactly which seqs went out, and what the hub
//!   offered while the connection was busy.

pub mod attachment_wire;
mod audiences;
mod delivered;
mod envelope;
mod fanout;
pub mod frames;
mod hub;
#[cfg(test)]
mod hub_tests;
mod inbox;
mod presence;
mod presence_storm;
mod stream;
mod typing;
pub mod wire;

pub use audiences::{Audiences, RepositoryAudiences};
pub use delivered::Delivered;
pub use envelope::{Effect, EventPosition, Frame};
pub use hub::{Delivery, Hub, HubPorts, HubSettings, Outbound, Registration, SocketTask};
pub use inbox::{Inbox, Overflow};
pub use presence::ClusterPresence;
pub use stream::{ConnectionStream, EVENT_PAGE, LogPage, StreamIo};
pub use typing::TypingState;

/// Why the server closes a connection, as the close code the client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// 1000: the client asked to close.
    Normal,
    /// 1001: the server is stopping.
    GoingAway,
    /// 1002: the client broke the WebSocket protocol.
    Protocol,
    /// 1008: the client fell too far behind.
    Policy,
    /// 1009: a frame over the size limit.
    TooBig,
    /// 4000: no answer to two heartbeats in a row.
    HeartbeatTimeout,
    /// 4001: the session was logged out or revoked.
    SessionRevoked,
}

impl CloseCode {
    /// The numeric close code and the reason sent with it.
    pub fn code_and_reason(self) -> (u16, &'static str) {
        match self {
            CloseCode::Normal => (1000, "bye"),
            CloseCode::GoingAway => (1001, "the server is shutting down"),
            CloseCode::Protocol => (1002, "WebSocket protocol error"),
            CloseCode::Policy => (1008, "too slow: the outbound queue is full"),
            CloseCode::TooBig => (1009, "frame too large"),
            CloseCode::HeartbeatTimeout => (4000, "no answer to heartbeats"),
            CloseCode::SessionRevoked => (4001, "the session was revoked"),
        }
    }
}
