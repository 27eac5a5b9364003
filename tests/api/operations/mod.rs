//! What an operator and a browser on another origin see: `GET /metrics`, `X-Request-Id`
//! and CORS.

mod cors;
mod metrics;
mod request_id;
