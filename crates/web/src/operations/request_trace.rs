use super::request_id::{REQUEST_ID_HEADER, RequestId};
use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

/// The route label of a request no route matched: the raw path would let any client grow
/// the metrics without bound.
const UNMATCHED_ROUTE: &str = "unmatched";

/// Gives each request an id (kept from `X-Request-Id` when sane) and a `request` span
/// carrying it with the method, the matched route pattern and, once the bearer token is
/// checked, the user id; answers with `X-Request-Id`; logs one line per request with its
/// status and duration in microseconds (never the query, which may carry a token); and
/// counts it in `palaver_http_requests_total` and `palaver_http_request_duration_seconds`.
pub async fn trace_request(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = RequestId::from_headers(request.headers());
    let method = request.method().to_string();
    let route = route_label(request.match_pattern());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
        path = %request.path(),
        user_id = tracing::field::Empty,
    );
    request.extensions_mut().insert(request_id.clone());
    // No clone of the request may live across the call: routing needs it unshared.
    let result = next.call(request).instrument(span.clone()).await;
    let status = match &result {
        Ok(response) => response.status(),
        // An error no handler turned into a response (a middleware's): actix answers it
        // after this returns, without the request id header, but it is logged and counted.
        Err(error) => error.as_response_error().status_code(),
    }
    .as_u16();
    let elapsed = started.elapsed();
    let elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, elapsed_us, "request failed");
        } else {
            tracing::info!(status, elapsed_us, "request");
        }
    });
    record(method, route, status, elapsed.as_secs_f64());
    let mut response = result?.map_into_boxed_body();
    if let Some(value) = request_id.header_value() {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

fn record(method: String, route: String, status: u16, seconds: f64) {
    metrics::counter!(
        "palaver_http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status.to_string(),
    )
    .increment(1);
    metrics::histogram!(
        "palaver_http_request_duration_seconds",
        "method" => method,
        "route" => route,
    )
    .record(seconds);
}

/// The matched route pattern (`/api/conversations/{id}`), or [`UNMATCHED_ROUTE`].
fn route_label(pattern: Option<String>) -> String {
    match pattern {
        Some(pattern) if !pattern.is_empty() => pattern,
        _ => UNMATCHED_ROUTE.to_owned(),
    }
}

/// Records the authenticated user on the current request's span.
pub(crate) fn record_user(user_id: impl std::fmt::Display) {
    tracing::Span::current().record("user_id", tracing::field::display(user_id));
}
