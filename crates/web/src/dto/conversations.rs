//! Conversation, member, message and event bodies. Events render the same way over REST
//! (`/events`) and, later, over the WebSocket.

use super::users::UserResponse;
use super::{FieldErrors, rfc3339, rfc3339_opt};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use palaver_application::conversations::{CreateConversationInput, MemberProfile};
use palaver_domain::conversation::{
    ClientId, Conversation, ConversationEvent, ConversationKind, ConversationName,
    ConversationSummary, EventPayload, MemberRole, Message, MessageContent, MessageId,
};
use palaver_domain::user::{UserId, Viewer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct ConversationResponse {
    pub id: Uuid,
    pub kind: &'static str,
    pub name: Option<String>,
    pub owner_id: Option<Uuid>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    pub last_seq: i64,
    pub member_count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_role: Option<&'static str>,
}

impl ConversationResponse {
    pub fn new(conversation: Conversation, my_role: Option<MemberRole>) -> Self {
        Self {
            id: conversation.id.as_uuid(),
            kind: conversation.kind.as_str(),
            name: conversation.name.map(|n| n.as_str().to_owned()),
            owner_id: conversation.owner_id.map(|o| o.as_uuid()),
            created_at: conversation.created_at,
            updated_at: conversation.updated_at,
            last_seq: conversation.last_seq,
            member_count: conversation.member_count,
            my_role: my_role.map(|r| r.as_str()),
        }
    }
}

/// An entry of `GET /api/conversations`.
#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct MessageResponse {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub seq: i64,
    /// `null` once the sender's account is deleted.
    pub sender_id: Option<Uuid>,
    /// `null` once the message is deleted.
    pub content: Option<String>,
    pub reply_to_id: Option<Uuid>,
    pub client_id: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub edited_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<Message> for MessageResponse {
    fn from(message: Message) -> Self {
        Self {
            id: message.id.as_uuid(),
            conversation_id: message.conversation_id.as_uuid(),
            seq: message.seq,
            sender_id: message.sender_id.map(|s| s.as_uuid()),
            content: message.content.map(|c| c.as_str().to_owned()),
            reply_to_id: message.reply_to_id.map(|r| r.as_uuid()),
            client_id: message.client_id.map(|c| c.as_str().to_owned()),
            created_at: message.created_at,
            edited_at: message.edited_at,
            deleted_at: message.deleted_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MemberResponse {
    pub user: UserResponse,
    pub role: &'static str,
    #[serde(serialize_with = "rfc3339")]
    pub joined_at: DateTime<Utc>,
    pub last_read_seq: i64,
}

impl MemberResponse {
    pub fn for_viewer(member: MemberProfile, viewer: Viewer) -> Self {
        Self {
            user: UserResponse::for_viewer(member.profile, viewer),
            role: member.member.role.as_str(),
            joined_at: member.member.joined_at,
            last_read_seq: member.member.last_read_seq,
        }
    }
}

/// `{"type", "conversation_id", "seq", "created_at", ...payload}`.
#[derive(Debug, Serialize)]
pub struct EventResponse {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub conversation_id: Uuid,
    pub seq: i64,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub payload: EventBody,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum EventBody {
    Message { message: MessageResponse },
    MessageDeleted { message_id: Uuid },
    Member { user_id: Uuid, role: &'static str },
    MemberLeft { user_id: Uuid },
    Conversation { conversation: ConversationResponse },
}

impl From<ConversationEvent> for EventResponse {
    fn from(event: ConversationEvent) -> Self {
        let kind = event.payload.type_name();
        let payload = match event.payload {
            EventPayload::MessageCreated { message } | EventPayload::MessageUpdated { message } => {
                EventBody::Message {
                    message: message.into(),
                }
            }
            EventPayload::MessageDeleted { message_id } => EventBody::MessageDeleted {
                message_id: message_id.as_uuid(),
            },
            EventPayload::MemberJoined { user_id, role }
            | EventPayload::MemberUpdated { user_id, role } => EventBody::Member {
                user_id: user_id.as_uuid(),
                role: role.as_str(),
            },
            EventPayload::MemberLeft { user_id } => EventBody::MemberLeft {
                user_id: user_id.as_uuid(),
            },
            EventPayload::ConversationUpdated { conversation } => EventBody::Conversation {
                conversation: ConversationResponse::new(conversation, None),
            },
        };
        Self {
            kind,
            conversation_id: event.conversation_id.as_uuid(),
            seq: event.seq,
            created_at: event.created_at,
            payload,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CreateConversationRequest {
    pub kind: String,
    pub name: Option<String>,
    #[serde(default)]
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

#[derive(Debug, Deserialize)]
pub struct RenameConversationRequest {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct AddMembersRequest {
    pub user_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeMemberRoleRequest {
    pub role: String,
}

#[derive(Debug, Deserialize)]
pub struct SendMessageRequest {
    pub content: String,
    pub client_id: Option<String>,
    pub reply_to_id: Option<Uuid>,
}

/// A validated `SendMessageRequest`.
pub struct SendMessageFields {
    pub content: MessageContent,
    pub client_id: Option<ClientId>,
    pub reply_to_id: Option<MessageId>,
}

impl SendMessageRequest {
    pub fn try_into_domain(self) -> Result<SendMessageFields, ApiError> {
        let mut errors = FieldErrors::default();
        let content = errors.check(MessageContent::parse(&self.content));
        let client_id = self
            .client_id
            .as_deref()
            .map(|raw| errors.check(ClientId::parse(raw)));
        errors.finish(|| {
            Some(SendMessageFields {
                content: content?,
                client_id: client_id.flatten(),
                reply_to_id: self.reply_to_id.map(MessageId::from_uuid),
            })
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct EditMessageRequest {
    pub content: String,
}

#[derive(Debug, Deserialize)]
pub struct MarkReadRequest {
    pub seq: i64,
}

#[derive(Debug, Deserialize)]
pub struct MessagesQuery {
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    pub after_seq: Option<i64>,
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct SearchMessagesQuery {
    pub q: Option<String>,
    pub conversation_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// `{"items", "has_more", "next_cursor"}` for the event log. Like every list it carries
/// `next_cursor` (the `after_seq` of the next page, `null` at the end); `has_more` says the
/// same in the shape of the messages list.
#[derive(Debug, Serialize)]
pub struct EventPage {
    pub items: Vec<EventResponse>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

/// `{"items": [...], "has_more": bool}`, for messages read by seq.
#[derive(Debug, Serialize)]
pub struct SeqPage<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::conversation::ConversationId;

    #[test]
    fn events_render_with_their_type_and_payload_fields() {
        let user = UserId::generate();
        let event = ConversationEvent {
            conversation_id: ConversationId::generate(),
            seq: 7,
            created_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
            payload: EventPayload::MemberUpdated {
                user_id: user,
                role: MemberRole::Admin,
            },
        };
        let json = serde_json::to_value(EventResponse::from(event)).unwrap();
        assert_eq!(json["type"], "member.updated");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["role"], "admin");
        assert_eq!(json["user_id"], user.as_uuid().to_string());
        assert_eq!(json["created_at"], "2025-06-15T15:06:40.000000Z");
    }

    #[test]
    fn a_send_reports_every_bad_field() {
        let request = SendMessageRequest {
            content: "  ".into(),
            client_id: Some("has space".into()),
            reply_to_id: None,
        };
        let error = request.try_into_domain().err().unwrap().to_string();
        assert!(
            error.contains("content") && error.contains("client_id"),
            "{error}"
        );
    }
}
