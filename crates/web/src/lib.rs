//! The actix-web adapter: routes, request and response DTOs, the one error shape, the
//! bearer-token extractor, and the real-time side: the `GET /api/ws` gateway and the
//! [`Hub`] that implements the `Notifier` port. Use-cases come in through [`AppState`];
//! nothing here touches the database except through ports.

mod client_address;
mod dto;
mod error;
mod extract;
mod openapi;
mod operations;
mod realtime;
mod routes;
mod state;

pub use error::ApiError;
pub use operations::{
    CorsPolicy, MetricsEndpoint, Operations, RequestId, apply_cors, operations, trace_request,
};
pub use palaver_realtime::{ClusterPresence, Hub, HubPorts, HubSettings, RepositoryAudiences};
pub use realtime::{GatewaySettings, WebSocketTakeover};
pub use routes::bots::BotUseCases;
pub use routes::configure;
pub use routes::webhooks::WebhookUseCases;
pub use state::{AppState, WebSettings};
