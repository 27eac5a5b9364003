//! The real-time side: the `GET /api/ws` gateway, the hub that fans frames out to
//! connections, and cluster-wide presence.

mod commands;
mod connection;
mod delivered;
mod envelope;
mod frame_guard;
mod frames;
mod hub;
#[cfg(test)]
mod hub_tests;
mod inbox;
mod presence;
mod route;
mod sequencer;

pub use connection::GatewaySettings;
pub use hub::{Hub, HubPorts, HubSettings};
pub use presence::ClusterPresence;
pub(crate) use route::upgrade;

/// Why the server closes a connection, as the close code the client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseCode {
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

impl From<CloseCode> for actix_ws::CloseReason {
    fn from(code: CloseCode) -> Self {
        use actix_ws::CloseCode as Ws;
        let (code, description) = match code {
            CloseCode::Normal => (Ws::Normal, "bye"),
            CloseCode::GoingAway => (Ws::Away, "the server is shutting down"),
            CloseCode::Protocol => (Ws::Protocol, "WebSocket protocol error"),
            CloseCode::Policy => (Ws::Policy, "too slow: the outbound queue is full"),
            CloseCode::TooBig => (Ws::Size, "frame too large"),
            CloseCode::HeartbeatTimeout => (Ws::Other(4000), "no answer to heartbeats"),
            CloseCode::SessionRevoked => (Ws::Other(4001), "the session was revoked"),
        };
        actix_ws::CloseReason {
            code,
            description: Some(description.to_owned()),
        }
    }
}
