//! The JSON shapes of conversations, messages and events, as API.md fixes them: the same
//! bodies over REST (`/events`, message routes) and in WebSocket frames. They live here so
//! that frames are rendered without the web adapter, which re-exports them.

use chrono::{DateTime, SecondsFormat, Utc};
use palaver_domain::conversation::{
    Conversation, ConversationEvent, EventPayload, MemberRole, Message,
};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::{Ref, RefOr, Schema};
use uuid::Uuid;

/// Schemas of the values these bodies render as plain strings. The web adapter's OpenAPI
/// document defines them by these names, next to the domain spellings they are checked
/// against.
fn conversation_kind_schema() -> RefOr<Schema> {
    Ref::from_schema_name("ConversationKindName").into()
}

fn member_role_schema() -> RefOr<Schema> {
    Ref::from_schema_name("MemberRoleName").into()
}

fn sender_kind_schema() -> RefOr<Schema> {
    Ref::from_schema_name("UserKindName").into()
}

fn event_type_schema() -> RefOr<Schema> {
    Ref::from_schema_name("EventType").into()
}

/// RFC 3339 in UTC with a `Z`, as the contract asks.
pub fn rfc3339<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(SecondsFormat::Micros, true))
}

pub fn rfc3339_opt<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, serializer),
        None => serializer.serialize_none(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Conversation)]
pub struct ConversationResponse {
    pub id: Uuid,
    #[schema(schema_with = conversation_kind_schema)]
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
    #[schema(schema_with = member_role_schema, required = false)]
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

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Message)]
pub struct MessageResponse {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub seq: i64,
    /// `null` once the sender's account is deleted.
    pub sender_id: Option<Uuid>,
    /// `"bot"` for a message a bot sent, `"user"` for a person's.
    #[schema(schema_with = sender_kind_schema)]
    pub sender_kind: &'static str,
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
    /// The files posted with it (none once it is deleted).
    pub attachments: Vec<crate::attachment_wire::AttachmentResponse>,
    /// The root of the thread this message replies in.
    pub thread_root_id: Option<Uuid>,
    /// On a thread root with replies: their count, the latest one's time and who replied.
    pub thread: Option<ThreadResponse>,
    /// Each emoji on the message, in order of first use.
    pub reactions: Vec<ReactionResponse>,
    /// Members the content mentions by `@username`.
    pub mentions: Vec<Uuid>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub pinned_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Reaction)]
pub struct ReactionResponse {
    /// One emoji or a `:short_code:`.
    pub emoji: String,
    pub count: u64,
    /// The first 20 who reacted with it, in order of reacting.
    pub user_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Thread)]
pub struct ThreadResponse {
    pub reply_count: u64,
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_reply_at: Option<DateTime<Utc>>,
    pub participant_ids: Vec<Uuid>,
}

impl From<Message> for MessageResponse {
    fn from(message: Message) -> Self {
        Self {
            id: message.id.as_uuid(),
            conversation_id: message.conversation_id.as_uuid(),
            seq: message.seq,
            sender_id: message.sender_id.map(|s| s.as_uuid()),
            sender_kind: message.sender_kind.as_str(),
            content: message.content.map(|c| c.as_str().to_owned()),
            reply_to_id: message.reply_to_id.map(|r| r.as_uuid()),
            client_id: message.client_id.map(|c| c.as_str().to_owned()),
            created_at: message.created_at,
            edited_at: message.edited_at,
            deleted_at: message.deleted_at,
            attachments: message
                .attachments
                .into_iter()
                .map(crate::attachment_wire::AttachmentResponse::from)
                .collect(),
            thread_root_id: message.thread_root_id.map(|r| r.as_uuid()),
            thread: message.annotations.thread.map(|thread| ThreadResponse {
                reply_count: thread.reply_count,
                last_reply_at: thread.last_reply_at,
                participant_ids: thread.participant_ids.iter().map(|u| u.as_uuid()).collect(),
            }),
            reactions: message
                .annotations
                .reactions
                .into_iter()
                .map(|reaction| ReactionResponse {
                    emoji: reaction.emoji.as_str().to_owned(),
                    count: reaction.count,
                    user_ids: reaction.user_ids.iter().map(|u| u.as_uuid()).collect(),
                })
                .collect(),
            mentions: message
                .annotations
                .mentions
                .iter()
                .map(|u| u.as_uuid())
                .collect(),
            pinned_at: message.annotations.pinned_at,
        }
    }
}

/// `{"type", "conversation_id", "seq", "created_at", ...payload}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventResponse {
    #[serde(rename = "type")]
    #[schema(schema_with = event_type_schema)]
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
    Message {
        message: MessageResponse,
    },
    MessageDeleted {
        message_id: Uuid,
    },
    Member {
        user_id: Uuid,
        role: &'static str,
    },
    MemberLeft {
        user_id: Uuid,
    },
    Conversation {
        conversation: ConversationResponse,
    },
    Reaction {
        message_id: Uuid,
        emoji: String,
        user_id: Uuid,
    },
    Pin {
        message_id: Uuid,
        user_id: Uuid,
    },
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
        let role = member_role_schema();
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
            .item(object(&[
                ("message_id", uuid().into()),
                (
                    "emoji",
                    ObjectBuilder::new().schema_type(Type::String).into(),
                ),
                ("user_id", uuid().into()),
            ]))
            .item(object(&[
                ("message_id", uuid().into()),
                ("user_id", uuid().into()),
            ]))
            .into()
    }
}

impl utoipa::ToSchema for EventBody {}

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
            EventPayload::ReactionAdded {
                message_id,
                emoji,
                user_id,
            }
            | EventPayload::ReactionRemoved {
                message_id,
                emoji,
                user_id,
            } => EventBody::Reaction {
                message_id: message_id.as_uuid(),
                emoji: emoji.as_str().to_owned(),
                user_id: user_id.as_uuid(),
            },
            EventPayload::MessagePinned {
                message_id,
                user_id,
            }
            | EventPayload::MessageUnpinned {
                message_id,
                user_id,
            } => EventBody::Pin {
                message_id: message_id.as_uuid(),
                user_id: user_id.as_uuid(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::conversation::ConversationId;
    use palaver_domain::user::UserId;

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
}
