use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use palaver_application::{ApplicationError, AuthFailure};
use palaver_domain::ValidationError;
use serde_json::{Map, Value, json};
use std::fmt;

/// Every failure the API reports, in the contract's one shape:
/// `{"error": {"code", "message", "details"?}}` with the matching status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
    /// Headers the answer carries (`Retry-After`, `Allow`), set where the error is made.
    /// Boxed: most errors carry none, and the error travels by value.
    headers: Option<Box<header::HeaderMap>>,
}

/// How long a client should wait before retrying after a 503.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            headers: None,
        }
    }

    fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers
            .get_or_insert_with(Default::default)
            .insert(name, value);
        self
    }

    /// `Retry-After` in whole seconds, at least 1.
    fn retry_after(self, wait: std::time::Duration) -> Self {
        let seconds = wait.as_millis().div_ceil(1000).max(1);
        self.with_header(header::RETRY_AFTER, HeaderValue::from(seconds as u64))
    }

    pub fn validation(errors: Vec<ValidationError>) -> Self {
        let message = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let fields: Map<String, Value> = errors
            .into_iter()
            .map(|e| (e.field.to_owned(), Value::String(e.message)))
            .collect();
        Self {
            details: Some(json!({ "fields": fields })),
            ..Self::new(StatusCode::BAD_REQUEST, "validation_failed", message)
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "validation_failed", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn method_not_allowed(allowed: &str) -> Self {
        let error = Self {
            details: Some(json!({ "allowed": allowed.split(", ").collect::<Vec<_>>() })),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("this route accepts {allowed}"),
            )
        };
        match HeaderValue::from_str(allowed) {
            Ok(value) => error.with_header(header::ALLOW, value),
            Err(_) => error,
        }
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the {limit} bytes allowed"),
        )
    }

    /// 416 with `Content-Range: bytes */size`.
    pub fn range_not_satisfiable(size: u64) -> Self {
        let error = Self::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
            format!("the range lies outside the content's {size} bytes"),
        );
        match HeaderValue::from_str(&format!("bytes */{size}")) {
            Ok(value) => error.with_header(header::CONTENT_RANGE, value),
            Err(_) => error,
        }
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be JSON (Content-Type: application/json)",
        )
    }

    /// 429 with `Retry-After` in whole seconds (at least 1) and the exact wait in details.
    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        Self {
            details: Some(json!({ "retry_after_ms": retry_after.as_millis() as u64 })),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests; slow down",
            )
        }
        .retry_after(retry_after)
    }

    /// 503 with a `Retry-After`: a store or bus the request needs cannot be reached.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            .retry_after(std::time::Duration::from_secs(UNAVAILABLE_RETRY_AFTER_SECS))
    }

    /// Logs the cause for the operator; the client learns nothing about it.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(inner) = source {
            chain.push_str(": ");
            chain.push_str(&inner.to_string());
            source = inner.source();
        }
        tracing::error!(error = %chain, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error's fields in the contract's shape: `code`, `message` and `details` if any.
    /// REST wraps them in `{"error": ...}`; the WebSocket adds them to an `error` frame.
    pub fn fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("code".into(), self.code.into());
        fields.insert("message".into(), self.message.clone().into());
        if let Some(details) = &self.details {
            fields.insert("details".into(), details.clone());
        }
        fields
    }

    /// Adds one entry to the details, keeping those already there.
    pub fn with_detail(mut self, key: &str, value: Value) -> Self {
        match &mut self.details {
            Some(Value::Object(details)) => {
                details.insert(key.to_owned(), value);
            }
            _ => self.details = Some(json!({ key: value })),
        }
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = Value::Object(self.fields());
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        for (name, value) in self.headers.iter().flat_map(|headers| headers.iter()) {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(json!({ "error": body }))
    }
}

impl From<ApplicationError> for ApiError {
    fn from(error: ApplicationError) -> Self {
        match error {
            ApplicationError::Validation(e) => Self::validation(vec![e]),
            ApplicationError::Unauthorized(failure) => Self::unauthorized(failure.to_string()),
            ApplicationError::Forbidden(why) => Self::forbidden(why),
            ApplicationError::NotFound(what) => Self::not_found(format!("{what} not found")),
            ApplicationError::Conflict { field } => Self {
                details: Some(json!({ "field": field.field() })),
                ..Self::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("{} is already taken", field.field()),
                )
            },
            ApplicationError::RateLimited { retry_after } => Self::rate_limited(retry_after),
            ApplicationError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "a store or bus is unavailable");
                Self::unavailable("a service this request needs is unavailable; retry later")
            }
            ApplicationError::Unexpected(cause) => Self::internal(cause.as_ref()),
        }
    }
}

impl From<AuthFailure> for ApiError {
    fn from(failure: AuthFailure) -> Self {
        ApplicationError::from(failure).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(error: ApiError) -> (StatusCode, Value, HttpResponse) {
        let response = error.error_response();
        let status = response.status();
        let head = HttpResponse::build(status).finish();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), head)
    }

    #[actix_web::test]
    async fn validation_errors_list_every_field() {
        let (status, body, _) = body_of(ApiError::validation(vec![
            ValidationError::new("username", "is too short"),
            ValidationError::new("password", "is too short"),
        ]))
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(
            body["error"]["details"]["fields"]["password"],
            "is too short"
        );
    }

    #[actix_web::test]
    async fn internal_errors_hide_their_cause() {
        let cause = std::io::Error::other("password=hunter2 at db.internal");
        let (status, body, _) = body_of(ApiError::internal(&cause)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"]["code"], "internal");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[test]
    fn application_errors_map_onto_the_status_table() {
        let cases: Vec<(ApplicationError, u16, &str)> = vec![
            (AuthFailure::InvalidCredentials.into(), 401, "unauthorized"),
            (ApplicationError::Forbidden("no"), 403, "forbidden"),
            (ApplicationError::NotFound("user"), 404, "not_found"),
            (
                ApplicationError::Conflict {
                    field: palaver_domain::Taken::Email,
                },
                409,
                "conflict",
            ),
            (ApplicationError::unexpected("boom"), 500, "internal"),
            (
                ApplicationError::Unavailable("db gone".into()),
                503,
                "unavailable",
            ),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error);
            assert_eq!(api.status_code().as_u16(), status);
            assert_eq!(api.code(), code);
        }
    }

    #[test]
    fn waits_and_allowed_methods_travel_as_headers() {
        let header_of = |error: ApiError, name| {
            let response = error.error_response();
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let limited = ApiError::rate_limited(std::time::Duration::from_millis(1500));
        assert_eq!(
            header_of(limited, header::RETRY_AFTER).as_deref(),
            Some("2")
        );
        let soon = ApiError::rate_limited(std::time::Duration::from_millis(1));
        assert_eq!(header_of(soon, header::RETRY_AFTER).as_deref(), Some("1"));
        let gone = ApiError::from(ApplicationError::Unavailable("db gone".into()));
        assert_eq!(header_of(gone, header::RETRY_AFTER).as_deref(), Some("5"));
        let wrong = ApiError::method_not_allowed("GET, POST");
        assert_eq!(
            header_of(wrong, header::ALLOW).as_deref(),
            Some("GET, POST")
        );
    }
}
