//! What an operator needs around the routes: a request id and a tracing span per request,
//! HTTP metrics, `GET /metrics`, and CORS for browsers on other origins.
//!
//! The binary wraps the whole app in [`trace_request`] (outermost, so every response carries
//! `X-Request-Id`) and [`apply_cors`], and registers [`operations`] before the route table.

mod cors;
mod metrics_endpoint;
mod request_id;
mod request_trace;

pub use cors::{CorsPolicy, apply_cors};
pub use metrics_endpoint::MetricsEndpoint;
pub use request_id::RequestId;
pub(crate) use request_trace::record_user;
pub use request_trace::trace_request;

use crate::error::ApiError;
use actix_web::web;

/// The operator-facing pieces the middleware and `GET /metrics` read from app data.
#[derive(Clone)]
pub struct Operations {
    pub metrics: MetricsEndpoint,
    pub cors: CorsPolicy,
}

/// Registers `GET /metrics` and the data [`apply_cors`] reads. Register it before
/// [`configure`](crate::configure), whose catch-all would otherwise answer `/metrics`.
pub fn operations(operations: Operations) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(operations.cors)).service(
            web::resource("/metrics")
                .app_data(web::Data::new(operations.metrics))
                .route(web::get().to(metrics_endpoint::render))
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::method_not_allowed("GET"))
                })),
        );
    }
}
