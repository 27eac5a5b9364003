//! Conversions between the conversation tables' rows and the domain's entities.

use crate::entities::{conversation_members, conversations, events, messages};
use crate::error::corrupt;
use chrono::{DateTime, Utc};
use palaver_domain::conversation::{
    Annotations, ClientId, Conversation, ConversationEvent, ConversationId, ConversationKind,
    ConversationName, EmojiKey, EventPayload, Member, MemberRole, Message, MessageContent,
    MessageId, NewMessage,
};
use palaver_domain::user::{UserId, UserKind};
use palaver_domain::{RepositoryError, ValidationError};
use sea_orm::ActiveValue::Set;
use std::collections::HashMap;
use uuid::Uuid;

fn bad(table: &'static str) -> impl Fn(ValidationError) -> RepositoryError {
    move |e| corrupt(table, e)
}

pub fn conversation_from_row(row: conversations::Model) -> Result<Conversation, RepositoryError> {
    Ok(Conversation {
        id: ConversationId::from_uuid(row.id),
        kind: ConversationKind::parse(&row.kind).map_err(bad("conversations"))?,
        name: row
            .name
            .as_deref()
            .map(ConversationName::parse)
            .transpose()
            .map_err(bad("conversations"))?,
        owner_id: row.owner_id.map(UserId::from_uuid),
        created_at: row.created_at,
        updated_at: row.updated_at,
        last_seq: row.last_seq,
        member_count: u32::try_from(row.member_count).map_err(|e| corrupt("conversations", e))?,
    })
}

/// Every column of a new conversation; it starts with its members counted and its
/// creation as its latest activity.
pub fn conversation_to_row(
    conversation: &Conversation,
    direct_key: Option<&str>,
    member_count: usize,
) -> Result<conversations::ActiveModel, RepositoryError> {
    Ok(conversations::ActiveModel {
        id: Set(conversation.id.as_uuid()),
        kind: Set(conversation.kind.as_str().to_owned()),
        name: Set(conversation.name.as_ref().map(|n| n.as_str().to_owned())),
        owner_id: Set(conversation.owner_id.map(|id| id.as_uuid())),
        direct_key: Set(direct_key.map(str::to_owned)),
        last_seq: Set(conversation.last_seq),
        member_count: Set(i32::try_from(member_count).map_err(RepositoryError::unexpected)?),
        last_message_id: Set(None),
        last_activity_at: Set(conversation.created_at),
        created_at: Set(conversation.created_at),
        updated_at: Set(conversation.updated_at),
    })
}

pub fn member_from_row(row: conversation_members::Model) -> Result<Member, RepositoryError> {
    Ok(Member {
        conversation_id: ConversationId::from_uuid(row.conversation_id),
        user_id: UserId::from_uuid(row.user_id),
        role: MemberRole::parse(&row.role).map_err(bad("conversation_members"))?,
        joined_at: row.joined_at,
        last_read_seq: row.last_read_seq,
        last_delivered_seq: row.last_delivered_seq,
    })
}

pub fn member_to_row(member: &Member) -> conversation_members::ActiveModel {
    conversation_members::ActiveModel {
        conversation_id: Set(member.conversation_id.as_uuid()),
        user_id: Set(member.user_id.as_uuid()),
        role: Set(member.role.as_str().to_owned()),
        joined_at: Set(member.joined_at),
        last_read_seq: Set(member.last_read_seq),
        last_delivered_seq: Set(member.last_delivered_seq),
    }
}

pub fn message_from_row(row: messages::Model) -> Result<Message, RepositoryError> {
    Ok(Message {
        id: MessageId::from_uuid(row.id),
        conversation_id: ConversationId::from_uuid(row.conversation_id),
        seq: row.seq,
        sender_id: row.sender_id.map(UserId::from_uuid),
        sender_kind: UserKind::parse(&row.sender_kind).map_err(bad("messages"))?,
        // Empty for a message of attachments only.
        content: row
            .content
            .as_deref()
            .map(|content| match content {
                "" => Ok(MessageContent::empty()),
                words => MessageContent::parse(words),
            })
            .transpose()
            .map_err(bad("messages"))?,
        reply_to_id: row.reply_to_id.map(MessageId::from_uuid),
        client_id: row
            .client_id
            .as_deref()
            .map(ClientId::parse)
            .transpose()
            .map_err(bad("messages"))?,
        created_at: row.created_at,
        edited_at: row.edited_at,
        deleted_at: row.deleted_at,
        // Loaded page by page, see `repositories::attachment_loader`.
        attachments: Vec::new(),
        thread_root_id: row.thread_root_id.map(MessageId::from_uuid),
        annotations: Box::default(),
    })
}

/// The message a new one becomes once it has its seq.
pub fn message_from_new(message: &NewMessage, seq: i64, now: DateTime<Utc>) -> Message {
    Message {
        id: message.id,
        conversation_id: message.conversation_id,
        seq,
        sender_id: Some(message.sender_id),
        sender_kind: message.sender_kind,
        content: Some(message.content.clone()),
        reply_to_id: message.reply_to_id,
        client_id: message.client_id.clone(),
        created_at: now,
        edited_at: None,
        deleted_at: None,
        attachments: message
            .attachments
            .iter()
            .map(|attachment| palaver_domain::attachment::Attachment {
                message_id: Some(message.id),
                ..attachment.clone()
            })
            .collect(),
        thread_root_id: message.thread_root_id,
        annotations: Box::new(Annotations {
            mentions: message.mentions.clone(),
            ..Annotations::default()
        }),
    }
}

pub fn message_to_row(message: &Message) -> messages::ActiveModel {
    messages::ActiveModel {
        id: Set(message.id.as_uuid()),
        conversation_id: Set(message.conversation_id.as_uuid()),
        seq: Set(message.seq),
        sender_id: Set(message.sender_id.map(|id| id.as_uuid())),
        sender_kind: Set(message.sender_kind.as_str().to_owned()),
        content: Set(message.content.as_ref().map(|c| c.as_str().to_owned())),
        reply_to_id: Set(message.reply_to_id.map(|id| id.as_uuid())),
        client_id: Set(message.client_id.as_ref().map(|c| c.as_str().to_owned())),
        created_at: Set(message.created_at),
        edited_at: Set(message.edited_at),
        deleted_at: Set(message.deleted_at),
        thread_root_id: Set(message.thread_root_id.map(|id| id.as_uuid())),
    }
}

/// An event's row: its kind and the rows it refers to, never their contents.
pub fn event_to_row(event: &ConversationEvent) -> events::ActiveModel {
    let mut emoji = None;
    let (message_id, user_id, role) = match &event.payload {
        EventPayload::MessageCreated { message } | EventPayload::MessageUpdated { message } => {
            (Some(message.id), None, None)
        }
        EventPayload::MessageDeleted { message_id } => (Some(*message_id), None, None),
        EventPayload::MemberJoined { user_id, role }
        | EventPayload::MemberUpdated { user_id, role } => (None, Some(*user_id), Some(*role)),
        EventPayload::MemberLeft { user_id } => (None, Some(*user_id), None),
        EventPayload::ConversationUpdated { .. } => (None, None, None),
        EventPayload::ReactionAdded {
            message_id,
            emoji: key,
            user_id,
        }
        | EventPayload::ReactionRemoved {
            message_id,
            emoji: key,
            user_id,
        } => {
            emoji = Some(key.as_str().to_owned());
            (Some(*message_id), Some(*user_id), None)
        }
        EventPayload::MessagePinned {
            message_id,
            user_id,
        }
        | EventPayload::MessageUnpinned {
            message_id,
            user_id,
        } => (Some(*message_id), Some(*user_id), None),
    };
    events::ActiveModel {
        conversation_id: Set(event.conversation_id.as_uuid()),
        seq: Set(event.seq),
        kind: Set(event.payload.type_name().to_owned()),
        message_id: Set(message_id.map(|id| id.as_uuid())),
        user_id: Set(user_id.map(|id| id.as_uuid())),
        role: Set(role.map(|r| r.as_str().to_owned())),
        emoji: Set(emoji),
        created_at: Set(event.created_at),
    }
}

/// The rows events refer to, as they stand now.
#[derive(Default)]
pub struct EventSubjects {
    pub messages: HashMap<Uuid, Message>,
    pub conversation: Option<Conversation>,
    /// The conversation was looked up and is gone: whatever its events name went with it,
    /// so a missing subject means "deleted meanwhile" (`NotFound`), not corruption.
    pub conversation_gone: bool,
}

/// An event with its payload read from the rows it refers to.
pub fn event_from_row(
    row: events::Model,
    subjects: &EventSubjects,
) -> Result<ConversationEvent, RepositoryError> {
    let missing = |what: &str| corrupt("events", format!("{} #{}: no {what}", row.kind, row.seq));
    // A row the event names, rather than a column of the event itself.
    let missing_subject = |what: &str| {
        if subjects.conversation_gone {
            RepositoryError::NotFound
        } else {
            missing(what)
        }
    };
    let message_id = || row.message_id.ok_or_else(|| missing("message_id"));
    let message = || {
        message_id().and_then(|id| {
            subjects
                .messages
                .get(&id)
                .cloned()
                .ok_or_else(|| missing_subject("message"))
        })
    };
    let user_id = || {
        row.user_id
            .map(UserId::from_uuid)
            .ok_or_else(|| missing("user_id"))
    };
    let role = || {
        row.role
            .as_deref()
            .ok_or_else(|| missing("role"))
            .and_then(|r| MemberRole::parse(r).map_err(bad("events")))
    };
    let emoji = || {
        row.emoji
            .as_deref()
            .ok_or_else(|| missing("emoji"))
            .and_then(|e| EmojiKey::parse(e).map_err(bad("events")))
    };
    let payload = match row.kind.as_str() {
        "message.created" => EventPayload::MessageCreated {
            message: message()?,
        },
        "message.updated" => EventPayload::MessageUpdated {
            message: message()?,
        },
        "message.deleted" => EventPayload::MessageDeleted {
            message_id: MessageId::from_uuid(message_id()?),
        },
        "member.joined" => EventPayload::MemberJoined {
            user_id: user_id()?,
            role: role()?,
        },
        "member.left" => EventPayload::MemberLeft {
            user_id: user_id()?,
        },
        "member.updated" => EventPayload::MemberUpdated {
            user_id: user_id()?,
            role: role()?,
        },
        "reaction.added" => EventPayload::ReactionAdded {
            message_id: MessageId::from_uuid(message_id()?),
            emoji: emoji()?,
            user_id: user_id()?,
        },
        "reaction.removed" => EventPayload::ReactionRemoved {
            message_id: MessageId::from_uuid(message_id()?),
            emoji: emoji()?,
            user_id: user_id()?,
        },
        "message.pinned" => EventPayload::MessagePinned {
            message_id: MessageId::from_uuid(message_id()?),
            user_id: user_id()?,
        },
        "message.unpinned" => EventPayload::MessageUnpinned {
            message_id: MessageId::from_uuid(message_id()?),
            user_id: user_id()?,
        },
        "conversation.updated" => EventPayload::ConversationUpdated {
            conversation: subjects
                .conversation
                .clone()
                .ok_or_else(|| missing_subject("conversation"))?,
        },
        other => return Err(corrupt("events", format!("unknown kind {other:?}"))),
    };
    Ok(ConversationEvent {
        conversation_id: ConversationId::from_uuid(row.conversation_id),
        seq: row.seq,
        created_at: row.created_at,
        payload,
    })
}

/// Whether an event of this kind names a message whose current state is its payload.
pub fn carries_message(kind: &str) -> bool {
    matches!(kind, "message.created" | "message.updated")
}

pub fn carries_conversation(kind: &str) -> bool {
    kind == "conversation.updated"
}

#[cfg(test)]
mod tests {
    use super::{EventSubjects, event_from_row};
    use crate::entities::events;
    use chrono::Utc;
    use palaver_domain::RepositoryError;
    use uuid::Uuid;

    fn event(kind: &str, message_id: Option<Uuid>) -> events::Model {
        events::Model {
            conversation_id: Uuid::new_v4(),
            seq: 7,
            kind: kind.to_owned(),
            message_id,
            user_id: None,
            role: None,
            emoji: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_subject_missing_with_its_conversation_is_not_found_else_corruption() {
        let gone = EventSubjects {
            conversation_gone: true,
            ..EventSubjects::default()
        };
        let present = EventSubjects::default();
        for kind in ["message.created", "message.updated"] {
            let row = event(kind, Some(Uuid::new_v4()));
            assert!(matches!(
                event_from_row(row.clone(), &gone),
                Err(RepositoryError::NotFound)
            ));
            assert!(matches!(
                event_from_row(row, &present),
                Err(RepositoryError::Unexpected(_))
            ));
        }
        let renamed = event("conversation.updated", None);
        assert!(matches!(
            event_from_row(renamed.clone(), &gone),
            Err(RepositoryError::NotFound)
        ));
        assert!(matches!(
            event_from_row(renamed, &present),
            Err(RepositoryError::Unexpected(_))
        ));
        // A broken event row stays corruption, whatever became of its conversation.
        assert!(matches!(
            event_from_row(event("message.created", None), &gone),
            Err(RepositoryError::Unexpected(_))
        ));
    }
}
