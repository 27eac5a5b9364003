//! Cursor pagination shared by the list use-cases.

use crate::ApplicationError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use palaver_domain::ValidationError;
use uuid::Uuid;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// One page of a list and the opaque cursor of the next one, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from a result fetched with one row more than `limit` (see
    /// [`trim_lookahead`]); `cursor_of` gives the position after the page's last item.
    pub fn from_lookahead(
        mut items: Vec<T>,
        limit: u64,
        cursor_of: impl FnOnce(&T) -> String,
    ) -> Self {
        let next_cursor = if trim_lookahead(&mut items, limit) {
            items.last().map(cursor_of)
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

/// Trims a result fetched with one row more than `limit` back to `limit`, and says whether
/// that extra row was there: whether another page follows.
pub fn trim_lookahead<T>(items: &mut Vec<T>, limit: u64) -> bool {
    let has_more = items.len() as u64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    has_more
}

/// A validated page request: the position after which to continue and how many to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<String>,
    pub limit: u64,
}

impl PageRequest {
    /// Decodes `?cursor=` and checks `?limit=` (1 to 200, 50 when absent).
    pub fn parse(cursor: Option<&str>, limit: Option<u64>) -> Result<Self, ApplicationError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ValidationError::new("limit", format!("must be 1 to {MAX_LIMIT}")).into());
        }
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?;
        Ok(Self { after, limit })
    }
}

/// A position made of a time and an id, as in "latest activity, then id" orderings.
pub fn encode_time_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    encode_cursor(&format!("{}:{}", at.timestamp_micros(), id))
}

/// The inverse of [`encode_time_cursor`]; `Validation` on `cursor` for anything else.
pub fn decode_time_cursor(position: &str) -> Result<(DateTime<Utc>, Uuid), ApplicationError> {
    let invalid = || ValidationError::new("cursor", "is not a cursor this server issued");
    let (micros, id) = position.split_once(':').ok_or_else(invalid)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok((at, id))
}

pub fn encode_cursor(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<String, ApplicationError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ValidationError::new("cursor", "is not a cursor this server issued").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let request = PageRequest::parse(Some(&encode_cursor("ada")), Some(10)).unwrap();
        assert_eq!(request.after.as_deref(), Some("ada"));
        assert_eq!(request.limit, 10);
        assert!(matches!(
            PageRequest::parse(Some("%%%"), None),
            Err(ApplicationError::Validation(e)) if e.field == "cursor"
        ));
    }

    #[test]
    fn a_lookahead_row_means_a_next_page_after_the_last_kept_item() {
        let full = Page::from_lookahead(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(
            full,
            Page {
                items: vec![1, 2],
                next_cursor: Some("2".into())
            }
        );
        let last = Page::from_lookahead(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(
            last,
            Page {
                items: vec![1, 2],
                next_cursor: None
            }
        );
        let mut events = vec![4, 5];
        assert!(!trim_lookahead(&mut events, 5));
        assert_eq!(events, [4, 5]);
    }

    #[test]
    fn time_cursors_round_trip() {
        let at = DateTime::from_timestamp_micros(1_750_000_000_123_456).unwrap();
        let id = Uuid::new_v4();
        let request = PageRequest::parse(Some(&encode_time_cursor(at, id)), None).unwrap();
        assert_eq!(
            decode_time_cursor(&request.after.unwrap()).unwrap(),
            (at, id)
        );
        assert!(decode_time_cursor("nonsense").is_err());
    }

    #[test]
    fn limits_default_and_are_bounded() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert!(PageRequest::parse(None, Some(0)).is_err());
        assert!(PageRequest::parse(None, Some(201)).is_err());
        assert!(PageRequest::parse(None, Some(200)).is_ok());
    }
}
