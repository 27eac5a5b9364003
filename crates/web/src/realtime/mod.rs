//! The WebSocket gateway: the `GET /api/ws` route and a thin driver per connection, over
//! the bare TCP socket, around the real-time crate (`palaver_realtime`), which holds the
//! hub, presence and each connection's stream state.

mod commands;
mod connection;
mod frame_guard;
mod pipeline;
mod route;
mod socket;

pub use connection::GatewaySettings;
pub use route::WebSocketTakeover;
pub(crate) use route::upgrade;
