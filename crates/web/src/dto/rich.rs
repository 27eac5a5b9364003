//! Bodies of reactions, threads, pins, delivery markers and search results.

use super::rfc3339;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use palaver_application::messages::SearchHit;
use palaver_domain::ValidationError;
use palaver_domain::conversation::{ConversationId, MessageId, Pin};
use palaver_domain::ports::SearchFilters;
use palaver_domain::user::UserId;
pub use palaver_realtime::wire::MessageResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An entry of `GET /api/conversations/{id}/pins`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinResponse {
    pub message: MessageResponse,
    /// `null` once the pinner's account is deleted.
    pub pinned_by: Option<Uuid>,
    #[serde(serialize_with = "rfc3339")]
    pub pinned_at: DateTime<Utc>,
}

impl From<Pin> for PinResponse {
    fn from(pin: Pin) -> Self {
        Self {
            message: pin.message.into(),
            pinned_by: pin.pinned_by.map(|u| u.as_uuid()),
            pinned_at: pin.pinned_at,
        }
    }
}

/// `{"items": [...]}`: every pin, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinList {
    pub items: Vec<PinResponse>,
}

/// A search result: the message, and the fragments of its content around the matched
/// words (`<mark>` around the matches, everything else HTML-escaped).
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    #[serde(flatten)]
    pub message: MessageResponse,
    pub highlights: Vec<String>,
}

impl From<SearchHit> for SearchResult {
    fn from(hit: SearchHit) -> Self {
        Self {
            message: hit.message.into(),
            highlights: hit.highlights,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadQuery {
    /// Replies with a larger `seq` (default 0: from the start).
    #[param(minimum = 0)]
    pub after_seq: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkDeliveredRequest {
    /// My devices have received everything up to this seq.
    #[schema(minimum = 0)]
    pub seq: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchMessagesQuery {
    /// The words to find.
    #[param(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f]*[^\s\u0000-\u001f][^\u0000-\u0008\u000b-\u001f]*$"
    )]
    pub q: Option<String>,
    /// Limits the search to one conversation.
    #[param(value_type = Option<crate::openapi::schemas::UuidText>)]
    pub conversation_id: Option<Uuid>,
    /// Only messages of this sender.
    #[param(value_type = Option<crate::openapi::schemas::UuidText>)]
    pub sender_id: Option<String>,
    /// Only messages created after this time (RFC 3339, exclusive).
    #[param(value_type = Option<String>, format = DateTime)]
    pub after: Option<String>,
    /// Only messages created before this time (RFC 3339, exclusive).
    #[param(value_type = Option<String>, format = DateTime)]
    pub before: Option<String>,
    /// `attachment`: only messages with at least one attachment.
    #[param(value_type = Option<crate::openapi::schemas::SearchHas>)]
    pub has: Option<String>,
    /// Only the replies in this root message's thread.
    #[param(value_type = Option<crate::openapi::schemas::UuidText>)]
    pub in_thread: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

fn uuid(field: &'static str, raw: Option<&str>) -> Result<Option<Uuid>, ValidationError> {
    raw.map(|raw| Uuid::parse_str(raw).map_err(|_| ValidationError::new(field, "must be a UUID")))
        .transpose()
}

fn time(field: &'static str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ValidationError> {
    raw.map(|raw| {
        DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ValidationError::new(field, "must be an RFC 3339 time"))
    })
    .transpose()
}

impl SearchMessagesQuery {
    /// The filters, every bad one named.
    pub fn filters(&self) -> Result<SearchFilters, ApiError> {
        let mut errors = super::FieldErrors::default();
        let after = errors.check(time("after", self.after.as_deref()));
        let before = errors.check(time("before", self.before.as_deref()));
        let sender = errors.check(uuid("sender_id", self.sender_id.as_deref()));
        let in_thread = errors.check(uuid("in_thread", self.in_thread.as_deref()));
        let has_attachment = errors.check(match self.has.as_deref() {
            None => Ok(false),
            Some("attachment") => Ok(true),
            Some(_) => Err(ValidationError::new("has", "must be attachment")),
        });
        errors.finish(|| {
            Some(SearchFilters {
                conversation: self.conversation_id.map(ConversationId::from_uuid),
                sender: sender?.map(UserId::from_uuid),
                after: after?,
                before: before?,
                has_attachment: has_attachment?,
                in_thread: in_thread?.map(MessageId::from_uuid),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(after: Option<&str>, before: Option<&str>, has: Option<&str>) -> SearchMessagesQuery {
        SearchMessagesQuery {
            q: Some("hi".into()),
            conversation_id: None,
            sender_id: None,
            after: after.map(str::to_owned),
            before: before.map(str::to_owned),
            has: has.map(str::to_owned),
            in_thread: None,
            cursor: None,
            limit: None,
        }
    }

    #[test]
    fn search_filters_name_every_bad_field() {
        let filters = query(Some("2026-01-01T00:00:00Z"), None, Some("attachment"))
            .filters()
            .unwrap();
        assert!(filters.has_attachment && filters.after.is_some() && filters.before.is_none());
        let mut bad = query(Some("yesterday"), Some("2026-13-01"), Some("image"));
        bad.sender_id = Some("nope".into());
        bad.in_thread = Some("nope".into());
        let error = bad.filters().err().unwrap().to_string();
        for field in ["after", "before", "has", "sender_id", "in_thread"] {
            assert!(error.contains(field), "{error}");
        }
    }
}
