//! The frames the server sends, each rendered once to JSON text shared by every recipient.

use crate::wire::{ConversationResponse, EventResponse, MessageResponse, rfc3339};
use bytestring::ByteString;
use chrono::{DateTime, Utc};
use palaver_domain::auth::SessionId;
use palaver_domain::conversation::{Conversation, ConversationEvent, ConversationId, Message};
use palaver_domain::user::UserId;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// Renders a frame to the text shared by every recipient.
fn render(frame: &impl Serialize) -> ByteString {
    // Serialising these plain structs cannot fail: no maps with non-string keys, no
    // custom serialisers that error.
    ByteString::from(serde_json::to_string(frame).unwrap_or_else(|error| {
        tracing::error!(%error, "a frame failed to serialise");
        r#"{"type":"error","code":"internal","message":"a frame failed to serialise"}"#.into()
    }))
}

pub fn event(event: ConversationEvent) -> ByteString {
    render(&EventResponse::from(event))
}

pub fn ready(user_id: UserId, session_id: SessionId, heartbeat_interval_ms: u64) -> ByteString {
    render(&json!({
        "type": "ready",
        "user_id": user_id.as_uuid(),
        "session_id": session_id.as_uuid(),
        "heartbeat_interval_ms": heartbeat_interval_ms,
    }))
}

pub fn conversation_created(conversation: Conversation) -> ByteString {
    #[derive(Serialize)]
    struct Created {
        #[serde(rename = "type")]
        kind: &'static str,
        conversation: ConversationResponse,
    }
    render(&Created {
        kind: "conversation.created",
        conversation: ConversationResponse::new(conversation, None),
    })
}

pub fn conversation_deleted(conversation_id: ConversationId) -> ByteString {
    render(&json!({
        "type": "conversation.deleted",
        "conversation_id": conversation_id.as_uuid(),
    }))
}

pub fn typing(conversation_id: ConversationId, user_id: UserId, is_typing: bool) -> ByteString {
    render(&json!({
        "type": "typing",
        "conversation_id": conversation_id.as_uuid(),
        "user_id": user_id.as_uuid(),
        "is_typing": is_typing,
    }))
}

pub fn read(conversation_id: ConversationId, user_id: UserId, seq: i64) -> ByteString {
    render(&json!({
        "type": "read",
        "conversation_id": conversation_id.as_uuid(),
        "user_id": user_id.as_uuid(),
        "seq": seq,
    }))
}

pub fn delivered(conversation_id: ConversationId, user_id: UserId, seq: i64) -> ByteString {
    render(&json!({
        "type": "delivered",
        "conversation_id": conversation_id.as_uuid(),
        "user_id": user_id.as_uuid(),
        "seq": seq,
    }))
}

pub fn presence(user_id: UserId, online: bool, last_seen_at: DateTime<Utc>) -> ByteString {
    #[derive(Serialize)]
    struct Presence {
        #[serde(rename = "type")]
        kind: &'static str,
        user_id: Uuid,
        status: &'static str,
        #[serde(serialize_with = "rfc3339")]
        last_seen_at: DateTime<Utc>,
    }
    render(&Presence {
        kind: "presence",
        user_id: user_id.as_uuid(),
        status: if online { "online" } else { "offline" },
        last_seen_at,
    })
}

/// Answers a command that succeeded; `message` is the message it created or changed.
pub fn ack(client_id: Option<&str>, message: Option<Message>) -> ByteString {
    render(&json!({
        "type": "ack",
        "client_id": client_id,
        "message": message.map(MessageResponse::from),
    }))
}

/// Answers a command that failed, in the error shape of the REST API, flattened: `fields`
/// are its `code`, `message` and `details` (if any).
pub fn error(client_id: Option<&str>, mut frame: Map<String, Value>) -> ByteString {
    frame.insert("type".into(), "error".into());
    frame.insert("client_id".into(), client_id.into());
    render(&Value::Object(frame))
}

pub fn pong(client_id: Option<&str>) -> ByteString {
    render(&json!({ "type": "pong", "client_id": client_id }))
}

pub fn synced(client_id: Option<&str>, cursors: &HashMap<ConversationId, i64>) -> ByteString {
    let cursors: Map<String, Value> = cursors
        .iter()
        .map(|(id, seq)| (id.as_uuid().to_string(), (*seq).into()))
        .collect();
    render(&json!({ "type": "synced", "client_id": client_id, "cursors": cursors }))
}
