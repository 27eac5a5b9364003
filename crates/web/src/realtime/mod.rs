//! The WebSocket gateway: the `GET /api/ws` route and a thin actix-ws driver per
//! connection over the real-time crate (`palaver_realtime`), which holds the hub, presence
//! and each connection's stream state.

mod commands;
mod connection;
mod frame_guard;
mod outbound;
mod pipeline;
mod route;

pub use connection::GatewaySettings;
pub(crate) use route::upgrade;
