//! The WebSocket gateway: the `GET /api/ws` route and a thin actix-ws driver per
//! connection over the real-time crate (`palaver_realtime`), which holds the hub, presence
//! and each connection's stream state.

mod commands;
mod connection;
mod frame_guard;
mod pipeline;
mod route;

pub use connection::GatewaySettings;
pub(crate) use route::upgrade;

use palaver_realtime::CloseCode;

/// The close frame actix-ws sends for a close code.
pub(crate) fn close_reason(code: CloseCode) -> actix_ws::CloseReason {
    let (number, description) = code.code_and_reason();
    let code = match code {
        CloseCode::Normal => actix_ws::CloseCode::Normal,
        CloseCode::GoingAway => actix_ws::CloseCode::Away,
        CloseCode::Protocol => actix_ws::CloseCode::Protocol,
        CloseCode::Policy => actix_ws::CloseCode::Policy,
        CloseCode::TooBig => actix_ws::CloseCode::Size,
        CloseCode::HeartbeatTimeout | CloseCode::SessionRevoked => {
            actix_ws::CloseCode::Other(number)
        }
    };
    actix_ws::CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}
