//! The commands clients send, parsed and validated into domain types. Every way a frame
//! can be wrong is answered with the field at fault.

use crate::error::ApiError;
use palaver_domain::ValidationError;
use palaver_domain::attachment::AttachmentIds;
use palaver_domain::conversation::{ClientId, ConversationId, MessageContent, MessageId};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A command from a client, validated.
#[derive(Debug)]
pub(crate) enum Command {
    Send {
        conversation_id: ConversationId,
        content: MessageContent,
        client_id: ClientId,
        reply_to_id: Option<MessageId>,
        attachment_ids: AttachmentIds,
        thread_root_id: Option<MessageId>,
    },
    Edit {
        message_id: MessageId,
        content: MessageContent,
    },
    Delete {
        message_id: MessageId,
    },
    Typing {
        conversation_id: ConversationId,
        is_typing: bool,
    },
    Read {
        conversation_id: ConversationId,
        seq: i64,
    },
    Delivered {
        conversation_id: ConversationId,
        seq: i64,
    },
    Sync {
        cursors: Vec<(ConversationId, i64)>,
    },
    Ping,
}

/// The most conversations one `sync` may name.
pub(crate) const MAX_SYNC_CURSORS: usize = 1000;

/// A command that could not be understood: the error to answer with, and the command's
/// `client_id` if it had a readable one.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub client_id: Option<String>,
    pub error: ApiError,
}

/// A command together with the `client_id` its answer carries.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub client_id: Option<String>,
    pub command: Command,
}

/// Parses one text frame. Every way it can be wrong names the field at fault.
pub(crate) fn parse_command(text: &str) -> Result<Incoming, Rejected> {
    let reject = |client_id: Option<String>, error: ApiError| Rejected { client_id, error };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        reject(
            None,
            ApiError::bad_request(format!("the frame is not valid JSON: {e}")),
        )
    })?;
    let Value::Object(fields) = value else {
        return Err(reject(
            None,
            ApiError::bad_request("a frame must be a JSON object"),
        ));
    };
    let client_id = match fields.get("client_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(reject(None, invalid("client_id", "must be a string")));
        }
    };
    let mut reader = Fields {
        fields: &fields,
        errors: Vec::new(),
    };
    let kind = reader.required_str("type");
    let command = kind.and_then(|kind| reader.command(&kind, client_id.as_deref()));
    match command {
        Some(command) if reader.errors.is_empty() => Ok(Incoming { client_id, command }),
        _ => Err(reject(client_id, ApiError::validation(reader.errors))),
    }
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::validation(vec![ValidationError::new(field, message)])
}

/// Reads fields of a frame, collecting what is wrong with each.
struct Fields<'a> {
    fields: &'a Map<String, Value>,
    errors: Vec<ValidationError>,
}

impl Fields<'_> {
    fn command(&mut self, kind: &str, client_id: Option<&str>) -> Option<Command> {
        match kind {
            "message.send" => self.send(client_id),
            "message.edit" => {
                let message_id = self.required_uuid("message_id").map(MessageId::from_uuid);
                let content = self.content();
                Some(Command::Edit {
                    message_id: message_id?,
                    content: content?,
                })
            }
            "message.delete" => self.required_uuid("message_id").map(|id| Command::Delete {
                message_id: MessageId::from_uuid(id),
            }),
            "typing" => {
                let conversation_id = self.conversation_id();
                let is_typing = self.required_bool("is_typing");
                Some(Command::Typing {
                    conversation_id: conversation_id?,
                    is_typing: is_typing?,
                })
            }
            "read" => {
                let conversation_id = self.conversation_id();
                let seq = self.required_seq("seq");
                Some(Command::Read {
                    conversation_id: conversation_id?,
                    seq: seq?,
                })
            }
            "delivered" => {
                let conversation_id = self.conversation_id();
                let seq = self.required_seq("seq");
                Some(Command::Delivered {
                    conversation_id: conversation_id?,
                    seq: seq?,
                })
            }
            "sync" => self.sync(),
            "ping" => Some(Command::Ping),
            other => self.fail_with(
                "type",
                format!(
                    "'{other}' is not a command; expected message.send, message.edit, \
                     message.delete, typing, read, delivered, sync or ping"
                ),
            ),
        }
    }

    fn fail_with<T>(&mut self, field: &'static str, message: String) -> Option<T> {
        self.errors.push(ValidationError::new(field, message));
        None
    }

    fn fail<T>(&mut self, field: &'static str, message: &str) -> Option<T> {
        self.errors.push(ValidationError::new(field, message));
        None
    }

    fn present(&mut self, field: &'static str) -> Option<&Value> {
        match self.fields.get(field) {
            None | Some(Value::Null) => {
                self.errors.push(ValidationError::new(field, "is required"));
                None
            }
            Some(value) => Some(value),
        }
    }

    fn required_str(&mut self, field: &'static str) -> Option<String> {
        match self.present(field)? {
            Value::String(s) => Some(s.clone()),
            _ => self.fail(field, "must be a string"),
        }
    }

    fn required_bool(&mut self, field: &'static str) -> Option<bool> {
        match self.present(field)? {
            Value::Bool(b) => Some(*b),
            _ => self.fail(field, "must be true or false"),
        }
    }

    fn required_seq(&mut self, field: &'static str) -> Option<i64> {
        match self.present(field)?.as_i64() {
            Some(seq) if seq >= 0 => Some(seq),
            _ => self.fail(field, "must be a whole number, 0 or more"),
        }
    }

    fn uuid_of(&mut self, field: &'static str, value: &Value) -> Option<Uuid> {
        match value.as_str().map(Uuid::parse_str) {
            Some(Ok(id)) => Some(id),
            _ => self.fail(field, "must be a UUID"),
        }
    }

    fn required_uuid(&mut self, field: &'static str) -> Option<Uuid> {
        let value = self.present(field)?.clone();
        self.uuid_of(field, &value)
    }

    fn conversation_id(&mut self) -> Option<ConversationId> {
        self.required_uuid("conversation_id")
            .map(ConversationId::from_uuid)
    }

    fn content(&mut self) -> Option<MessageContent> {
        let raw = self.required_str("content")?;
        MessageContent::parse(&raw)
            .map_err(|e| self.errors.push(e))
            .ok()
    }

    /// `attachment_ids`: absent or null is none.
    fn attachment_ids(&mut self) -> Option<AttachmentIds> {
        let raw = match self.fields.get("attachment_ids") {
            None | Some(Value::Null) => return Some(AttachmentIds::default()),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => return self.fail("attachment_ids", "must be an array of UUIDs"),
        };
        let mut ids = Vec::with_capacity(raw.len());
        for item in &raw {
            ids.push(self.uuid_of("attachment_ids", item)?);
        }
        AttachmentIds::parse(ids)
            .map_err(|e| self.errors.push(e))
            .ok()
    }

    fn send(&mut self, client_id: Option<&str>) -> Option<Command> {
        let conversation_id = self.conversation_id();
        let attachment_ids = self.attachment_ids();
        let attached = attachment_ids.as_ref().map_or(0, AttachmentIds::len);
        let content = match self.fields.get("content") {
            // Only a message with attachments may leave its words out.
            None | Some(Value::Null) if attached > 0 => Some(MessageContent::empty()),
            _ => self.required_str("content").and_then(|raw| {
                MessageContent::parse_with_attachments(&raw, attached)
                    .map_err(|e| self.errors.push(e))
                    .ok()
            }),
        };
        let client_id = match client_id {
            Some(raw) => ClientId::parse(raw).map_err(|e| self.errors.push(e)).ok(),
            None => self.fail(
                "client_id",
                "is required, so that a resend is not a duplicate",
            ),
        };
        let reply_to_id = self.optional_message_id("reply_to_id");
        let thread_root_id = self.optional_message_id("thread_root_id");
        Some(Command::Send {
            conversation_id: conversation_id?,
            content: content?,
            client_id: client_id?,
            reply_to_id: reply_to_id?,
            attachment_ids: attachment_ids?,
            thread_root_id: thread_root_id?,
        })
    }

    /// `Some(None)` when absent or null; `None` (an error noted) when not a UUID.
    fn optional_message_id(&mut self, field: &'static str) -> Option<Option<MessageId>> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(value) => {
                let value = value.clone();
                self.uuid_of(field, &value)
                    .map(|id| Some(MessageId::from_uuid(id)))
            }
        }
    }

    fn sync(&mut self) -> Option<Command> {
        let Value::Object(raw) = self.present("cursors")?.clone() else {
            return self.fail("cursors", "must be an object of conversation ids to seqs");
        };
        if raw.len() > MAX_SYNC_CURSORS {
            self.errors.push(ValidationError::new(
                "cursors",
                format!("names at most {MAX_SYNC_CURSORS} conversations"),
            ));
            return None;
        }
        let mut cursors = Vec::with_capacity(raw.len());
        for (id, seq) in raw {
            match (Uuid::parse_str(&id), seq.as_i64()) {
                (Ok(id), Some(seq)) if seq >= 0 => {
                    cursors.push((ConversationId::from_uuid(id), seq));
                }
                _ => {
                    self.errors.push(ValidationError::new(
                        "cursors",
                        format!("'{id}' must be a conversation id mapped to a seq of 0 or more"),
                    ));
                    return None;
                }
            }
        }
        Some(Command::Sync { cursors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rejected(text: &str) -> (Option<String>, String) {
        let rejected = parse_command(text).unwrap_err();
        (rejected.client_id, rejected.error.message().to_owned())
    }

    #[test]
    fn a_send_is_validated_field_by_field() {
        let conversation = Uuid::now_v7();
        let text = json!({"type": "message.send", "conversation_id": conversation,
                          "content": "  hi ", "client_id": "c-1"})
        .to_string();
        let incoming = parse_command(&text).unwrap();
        assert_eq!(incoming.client_id.as_deref(), Some("c-1"));
        let Command::Send {
            content,
            reply_to_id,
            ..
        } = incoming.command
        else {
            panic!("not a send: {:?}", incoming.command);
        };
        assert_eq!(content.as_str(), "hi");
        assert_eq!(reply_to_id, None);

        let (client_id, message) = rejected(
            r#"{"type": "message.send", "client_id": "c-2", "content": "", "conversation_id": "x"}"#,
        );
        assert_eq!(client_id.as_deref(), Some("c-2"));
        assert!(message.contains("conversation_id"), "{message}");
        assert!(message.contains("content"), "{message}");

        let (_, message) = rejected(&format!(
            r#"{{"type": "message.send", "content": "hi", "conversation_id": "{conversation}"}}"#
        ));
        assert!(message.contains("client_id is required"), "{message}");
    }

    #[test]
    fn malformed_frames_are_rejected_with_the_reason() {
        assert!(rejected("{not json").1.contains("not valid JSON"));
        assert!(rejected("[1, 2]").1.contains("JSON object"));
        assert!(
            rejected(r#"{"client_id": "a"}"#)
                .1
                .contains("type is required")
        );
        let (client_id, message) = rejected(r#"{"type": "dance", "client_id": "a"}"#);
        assert_eq!(client_id.as_deref(), Some("a"));
        assert!(message.contains("'dance' is not a command"), "{message}");
        assert!(
            rejected(r#"{"type": "read", "conversation_id": null, "seq": -1}"#)
                .1
                .contains("seq must be a whole number")
        );
        assert!(rejected(r#"{"type": "typing", "conversation_id": "00000000-0000-0000-0000-000000000000", "is_typing": "yes"}"#)
            .1
            .contains("is_typing must be true or false"));
        assert!(
            rejected(r#"{"type": "ping", "client_id": 7}"#)
                .1
                .contains("client_id must be a string")
        );
    }

    #[test]
    fn a_sync_takes_a_map_of_cursors() {
        let id = Uuid::now_v7();
        let incoming =
            parse_command(&json!({"type": "sync", "cursors": {id.to_string(): 4}}).to_string())
                .unwrap();
        let Command::Sync { cursors } = incoming.command else {
            panic!("not a sync");
        };
        assert_eq!(cursors, vec![(ConversationId::from_uuid(id), 4)]);
        assert!(
            rejected(r#"{"type": "sync", "cursors": {"nope": 1}}"#)
                .1
                .contains("'nope' must be a conversation id")
        );
        assert!(
            rejected(r#"{"type": "sync", "cursors": []}"#)
                .1
                .contains("cursors must be an object")
        );
    }
}
