use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;

/// The `X-Request-Id` header: taken from the request when it is sane, made up otherwise.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// The longest request id kept from a client; longer ones are replaced.
const MAX_LENGTH: usize = 128;

/// The id one request is known by in responses and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The client's id when present and sane (1 to 128 characters of letters, digits and
    /// `-_.:`), else a new random UUID: a proxy's id is kept, junk never reaches the logs.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        headers
            .get(&REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|id| is_sane(id))
            .map(|id| Self(id.to_owned()))
            .unwrap_or_else(|| Self(uuid::Uuid::new_v4().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn header_value(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.0).ok()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_sane(id: &str) -> bool {
    (1..=MAX_LENGTH).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_sane_id_is_kept() {
        for id in ["abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "lb.1:req_42"] {
            assert_eq!(RequestId::from_headers(&with_header(id)).as_str(), id);
        }
    }

    #[test]
    fn a_missing_or_insane_id_is_replaced_by_a_uuid() {
        let long = "a".repeat(MAX_LENGTH + 1);
        for headers in [
            HeaderMap::new(),
            with_header(""),
            with_header("two words"),
            with_header("quote\"d"),
            with_header(&long),
        ] {
            let id = RequestId::from_headers(&headers);
            assert!(uuid::Uuid::parse_str(id.as_str()).is_ok(), "{id}");
        }
        assert_ne!(
            RequestId::from_headers(&HeaderMap::new()),
            RequestId::from_headers(&HeaderMap::new())
        );
    }
}
