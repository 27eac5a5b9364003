use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// How long a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS: &str = "authorization, content-type, x-request-id";
/// Response headers a script on an allowed origin may read.
const EXPOSED_HEADERS: &str = "x-request-id, retry-after, location";
const VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// Which browser origins may call the API from another site: exact matches only, with
/// credentials. Empty: none (same origin only).
#[derive(Debug, Clone, Default)]
pub struct CorsPolicy {
    origins: Arc<HashSet<String>>,
}

impl CorsPolicy {
    pub fn new(origins: &[String]) -> Self {
        Self {
            origins: Arc::new(origins.iter().cloned().collect()),
        }
    }

    fn allows(&self, origin: &str) -> bool {
        self.origins.contains(origin)
    }
}

/// Answers preflights (`OPTIONS` with `Access-Control-Request-Method`) itself: 204 with the
/// allowed methods and headers, cacheable for [`PREFLIGHT_MAX_AGE`], for an allowed origin;
/// 403 `forbidden` for any other. Other requests go through; those from an allowed origin
/// get `Access-Control-Allow-Origin` and `-Credentials`. A request from another origin is
/// served without them, so the browser keeps its answer from the script; a same-origin
/// page (which also sends `Origin`) is unaffected.
pub async fn apply_cors(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let policy = request
        .app_data::<web::Data<CorsPolicy>>()
        .map(|policy| policy.get_ref().clone())
        .unwrap_or_default();
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|origin| origin.to_str().ok())
        .map(str::to_owned);
    let Some(origin) = origin else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let allowed = policy.allows(&origin);
    if is_preflight(&request) {
        let response = if allowed {
            preflight_answer(&origin)
        } else {
            let mut refusal = ApiError::forbidden(format!(
                "the origin {origin} may not call this API (server.cors_origins)"
            ))
            .error_response();
            refusal
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static(VARY));
            refusal
        };
        return Ok(request.into_response(response));
    }
    let mut response = next.call(request).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if allowed {
        allow(headers, &origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    Ok(response)
}

fn is_preflight(request: &ServiceRequest) -> bool {
    request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn preflight_answer(origin: &str) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    allow(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from(PREFLIGHT_MAX_AGE.as_secs()),
    );
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    response
}

fn allow(headers: &mut HeaderMap, origin: &str) {
    // The origin came from a header value, so it is one; an allowed origin is also ASCII.
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}
