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
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Conversation)]
pub struct ConversationResponse {
    pub id: Uuid,
    #[schema(value_type = crate::openapi::schemas::ConversationKindName)]
    pub kind: &'static str,
    pub name: Option<String>,
    pub owner_id: Option<Uuid>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    pub last_seq: i64,
    pub member_count: u32,
    /// The caller's role, when the caller is a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::schemas::MemberRoleName>)]
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
#[schema(as = Message)]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Member)]
pub struct MemberResponse {
    pub user: UserResponse,
    #[schema(value_type = crate::openapi::schemas::MemberRoleName)]
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
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventResponse {
    #[serde(rename = "type")]
    #[schema(value_type = crate::openapi::schemas::EventType)]
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

/// The payload fields an event adds beside `type`, `conversation_id`, `seq` and
/// `created_at`, one object per variant of [`EventBody`]. `anyOf`, not the `oneOf` the
/// derive would write: `member.joined` (`user_id`, `role`) also fits `member.left`.
impl utoipa::PartialSchema for EventBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        use utoipa::openapi::{KnownFormat, Ref, SchemaFormat};
        let uuid = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        };
        let object = |fields: &[(&str, utoipa::openapi::RefOr<utoipa::openapi::Schema>)]| {
            fields
                .iter()
                .fold(ObjectBuilder::new(), |object, (name, schema)| {
                    object.property(*name, schema.clone()).required(*name)
                })
        };
        let role = Ref::from_schema_name("MemberRoleName").into();
        AnyOfBuilder::new()
            .item(object(&[(
                "message",
                Ref::from_schema_name("Message").into(),
            )]))
            .item(object(&[("message_id", uuid().into())]))
            .item(object(&[("user_id", uuid().into()), ("role", role)]))
            .item(object(&[("user_id", uuid().into())]))
            .item(object(&[(
                "conversation",
                Ref::from_schema_name("Conversation").into(),
            )]))
            .into()
    }
}

impl ToSchema for EventBody {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::openapi::schemas::MemberRoleName;
        use utoipa::PartialSchema;
        for (name, schema) in [
            ("Message", MessageResponse::schema()),
            ("Conversation", ConversationResponse::schema()),
            ("MemberRoleName", MemberRoleName::schema()),
        ] {
            schemas.push((name.to_owned(), schema));
        }
        MessageResponse::schemas(schemas);
        ConversationResponse::schemas(schemas);
    }
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

/// A direct conversation takes exactly one other member and no name; a group or channel
/// needs a name.
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
    /// 1 to 4000 characters after trimming.
    #[schema(min_length = 1, max_length = 4000, pattern = r"\S")]
    pub content: String,
    /// The sender's own id for this message (use a UUID): sending it again returns the
    /// first message instead of a duplicate.
    #[schema(min_length = 1, max_length = 64, pattern = "^[!-~]+$")]
    pub client_id: Option<String>,
    #[schema(value_type = Option<crate::openapi::schemas::UuidText>)]
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageRequest {
    /// 1 to 4000 characters after trimming.
    #[schema(min_length = 1, max_length = 4000, pattern = r"\S")]
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchMessagesQuery {
    /// The words to find.
    #[param(required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub q: Option<String>,
    /// Limits the search to one conversation.
    #[param(value_type = Option<crate::openapi::schemas::UuidText>)]
    pub conversation_id: Option<Uuid>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
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
