//! Conversation, member, message and event bodies. Events render the same way over REST
//! (`/events`) and, later, over the WebSocket.

use super::users::UserResponse;
use super::{FieldErrors, rfc3339};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use palaver_application::conversations::{CreateConversationInput, MemberProfile};
use palaver_domain::attachment::AttachmentIds;
use palaver_domain::conversation::{
    ClientId, ConversationKind, ConversationName, ConversationSummary, MessageContent, MessageId,
};
use palaver_domain::user::{UserId, Viewer};
pub use palaver_realtime::wire::{ConversationResponse, EventResponse, MessageResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An entry of `GET /api/conversations`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationListItem {
    #[serde(flatten)]
    pub conversation: ConversationResponse,
    pub last_message: Option<MessageResponse>,
    pub unread_count: u64,
}

impl From<ConversationSummary> for ConversationListItem {
    fn from(summary: ConversationSummary) -> Self {
        Self {
            conversation: ConversationResponse::new(summary.conversation, Some(summary.my_role)),
            last_message: summary.last_message.map(MessageResponse::from),
            unread_count: summary.unread_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Member)]
pub struct MemberResponse {
    pub user: UserResponse,
    #[schema(value_type = crate::openapi::schemas::MemberRoleName)]
    pub role: &'static str,
    #[serde(serialize_with = "rfc3339")]
    pub joined_at: DateTime<Utc>,
    pub last_read_seq: i64,
    pub last_delivered_seq: i64,
}

impl MemberResponse {
    pub fn for_viewer(member: MemberProfile, viewer: Viewer) -> Self {
        Self {
            user: UserResponse::for_viewer(member.profile, viewer),
            role: member.member.role.as_str(),
            joined_at: member.member.joined_at,
            last_read_seq: member.member.last_read_seq,
            last_delivered_seq: member.member.last_delivered_seq,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateConversationRequest {
    #[schema(value_type = crate::openapi::schemas::ConversationKindName)]
    pub kind: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<crate::openapi::schemas::UuidText>, max_items = 1000)]
    pub member_ids: Vec<Uuid>,
}

impl CreateConversationRequest {
    pub fn try_into_domain(self) -> Result<CreateConversationInput, ApiError> {
        let mut errors = FieldErrors::default();
        let kind = errors.check(ConversationKind::parse(&self.kind));
        let name = errors.check_optional(self.name.as_deref(), ConversationName::parse);
        let blank_name_given = self.name.as_deref().is_some_and(|n| n.trim().is_empty());
        if blank_name_given {
            errors.check(ConversationName::parse(""));
        }
        errors.finish(|| {
            Some(CreateConversationInput {
                kind: kind?,
                name,
                member_ids: self.member_ids.into_iter().map(UserId::from_uuid).collect(),
            })
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RenameConversationRequest {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMembersRequest {
    #[schema(value_type = Vec<crate::openapi::schemas::UuidText>, min_items = 1, max_items = 1000)]
    pub user_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeMemberRoleRequest {
    #[schema(value_type = crate::openapi::schemas::AssignableRole)]
    pub role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessageRequest {
    /// 1 to 4000 characters after trimming; may be empty or left out when
    /// `attachment_ids` names at least one attachment.
    #[serde(default)]
    #[schema(max_length = 4000, pattern = r"^[^\u0000-\u0008\u000b-\u001f]*$")]
    pub content: String,
    /// The sender's own id for this message (use a UUID): sending it again returns the
    /// first message instead of a duplicate.
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    pub client_id: Option<String>,
    #[schema(value_type = Option<crate::openapi::schemas::UuidText>)]
    pub reply_to_id: Option<Uuid>,
    /// Attachments to post with it: at most 10, each uploaded by the sender and not
    /// posted yet.
    #[serde(default)]
    #[schema(value_type = Vec<crate::openapi::schemas::UuidText>, max_items = 10)]
    pub attachment_ids: Vec<Uuid>,
    /// A reply in this message's thread: a message of this conversation, not deleted (a
    /// reply's id puts it in that reply's thread).
    #[serde(default)]
    #[schema(value_type = Option<crate::openapi::schemas::UuidText>)]
    pub thread_root_id: Option<Uuid>,
}

/// A validated `SendMessageRequest`.
pub struct SendMessageFields {
    pub content: MessageContent,
    pub client_id: Option<ClientId>,
    pub reply_to_id: Option<MessageId>,
    pub attachment_ids: AttachmentIds,
    pub thread_root_id: Option<MessageId>,
}

impl SendMessageRequest {
    pub fn try_into_domain(self) -> Result<SendMessageFields, ApiError> {
        let mut errors = FieldErrors::default();
        let attachment_ids = errors.check(AttachmentIds::parse(self.attachment_ids));
        let attached = attachment_ids.as_ref().map_or(0, AttachmentIds::len);
        let content = errors.check(MessageContent::parse_with_attachments(
            &self.content,
            attached,
        ));
        let client_id = self
            .client_id
            .as_deref()
            .map(|raw| errors.check(ClientId::parse(raw)));
        errors.finish(|| {
            Some(SendMessageFields {
                content: content?,
                client_id: client_id.flatten(),
                reply_to_id: self.reply_to_id.map(MessageId::from_uuid),
                attachment_ids: attachment_ids?,
                thread_root_id: self.thread_root_id.map(MessageId::from_uuid),
            })
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageRequest {
    /// 1 to 4000 characters after trimming.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b-\u001f]*[^\s\u0000-\u001f][^\u0000-\u0008\u000b-\u001f]*$"
    )]
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkReadRequest {
    pub seq: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Only messages with a smaller `seq`.
    #[param(minimum = 0)]
    pub before_seq: Option<i64>,
    /// Only messages with a larger `seq` (below `before_seq` when both are given).
    #[param(minimum = 0)]
    pub after_seq: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events after this `seq` (default 0: from the start).
    #[param(minimum = 0)]
    pub after_seq: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// `{"items", "has_more", "next_cursor"}` for the event log. Like every list it carries
/// `next_cursor` (the `after_seq` of the next page, `null` at the end); `has_more` says the
/// same in the shape of the messages list.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventResponse>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// `{"items": [...], "has_more": bool}`, for messages read by seq.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeqPage<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_reports_every_bad_field() {
        let request = SendMessageRequest {
            content: "  ".into(),
            client_id: Some("has space".into()),
            reply_to_id: None,
            attachment_ids: Vec::new(),
            thread_root_id: None,
        };
        let error = request.try_into_domain().err().unwrap().to_string();
        assert!(
            error.contains("content") && error.contains("client_id"),
            "{error}"
        );
    }

    #[test]
    fn words_may_be_left_out_only_with_attachments() {
        let request = |content: &str, attachments: usize| SendMessageRequest {
            content: content.into(),
            client_id: None,
            reply_to_id: None,
            attachment_ids: (0..attachments).map(|_| Uuid::new_v4()).collect(),
            thread_root_id: None,
        };
        assert!(request("", 1).try_into_domain().is_ok());
        assert!(request("", 0).try_into_domain().is_err());
        let error = request("hi", 11)
            .try_into_domain()
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("attachment_ids"), "{error}");
    }
}
