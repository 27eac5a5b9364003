//! What the hub passes around, within a node and between nodes: frames already rendered,
//! with who they are for, and the few instructions that are not frames.

use super::frames;
use bytestring::ByteString;
use chrono::{DateTime, Utc};
use palaver_domain::auth::SessionId;
use palaver_domain::conversation::{ConversationId, EventPayload, Notification};
use palaver_domain::user::UserId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// Who a frame is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// The conversation's members as they stand, plus `also` (a member who just left),
    /// without `except` (the typist).
    Members {
        conversation_id: Uuid,
        except: Option<Uuid>,
        also: Option<Uuid>,
    },
    Users(Vec<Uuid>),
}

/// Where a conversation event sits in its log, so that each connection can keep every
/// conversation in order and without duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPosition {
    pub conversation_id: Uuid,
    pub seq: i64,
}

/// What a frame changes besides being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Effect {
    #[default]
    None,
    /// The conversation's members changed: cached member lists are stale.
    MembershipChanged,
    /// The user left the conversation: their connections stop tracking it.
    Left(Uuid),
    /// The conversation is gone.
    ConversationGone,
}

/// A rendered frame, shared by every recipient.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    pub text: ByteString,
    pub position: Option<EventPosition>,
    pub effect: Effect,
    pub conversation_id: Option<Uuid>,
}

/// One node's account of who is connected to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceReport {
    /// A user's first connection to the node opened, or its last closed.
    Changed {
        node: Uuid,
        user: Uuid,
        online: bool,
        at: DateTime<Utc>,
    },
    /// Everyone connected to the node now, sent periodically as a heartbeat.
    Snapshot { node: Uuid, users: Vec<Uuid> },
    /// The node is shutting down.
    Gone { node: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    Deliver {
        audience: Audience,
        frame: Arc<Frame>,
    },
    /// Close the user's connections on these sessions (all of them for `None`).
    CloseSessions {
        user: Uuid,
        sessions: Option<Vec<Uuid>>,
    },
    Presence(PresenceReport),
}

impl Envelope {
    /// Renders a notification; the text is built here, once, whatever the audience.
    pub fn from_notification(notification: Notification) -> Self {
        match notification {
            Notification::Event(event) => {
                let conversation_id = event.conversation_id.as_uuid();
                let (also, effect) = match &event.payload {
                    EventPayload::MemberLeft { user_id } => {
                        (Some(user_id.as_uuid()), Effect::Left(user_id.as_uuid()))
                    }
                    EventPayload::MemberJoined { .. } => (None, Effect::MembershipChanged),
                    _ => (None, Effect::None),
                };
                let position = EventPosition {
                    conversation_id,
                    seq: event.seq,
                };
                Self::Deliver {
                    audience: Audience::Members {
                        conversation_id,
                        except: None,
                        also,
                    },
                    frame: Arc::new(Frame {
                        text: frames::event(event),
                        position: Some(position),
                        effect,
                        conversation_id: Some(conversation_id),
                    }),
                }
            }
            Notification::ConversationCreated {
                conversation,
                user_ids,
            } => {
                let conversation_id = conversation.id.as_uuid();
                Self::Deliver {
                    audience: Audience::Users(uuids(&user_ids)),
                    frame: Arc::new(Frame {
                        text: frames::conversation_created(conversation),
                        position: None,
                        effect: Effect::MembershipChanged,
                        conversation_id: Some(conversation_id),
                    }),
                }
            }
            Notification::ConversationDeleted {
                conversation_id,
                user_ids,
            } => Self::Deliver {
                audience: Audience::Users(uuids(&user_ids)),
                frame: Arc::new(Frame {
                    text: frames::conversation_deleted(conversation_id),
                    position: None,
                    effect: Effect::ConversationGone,
                    conversation_id: Some(conversation_id.as_uuid()),
                }),
            },
            Notification::Read {
                conversation_id,
                user_id,
                seq,
            } => Self::Deliver {
                audience: Audience::Members {
                    conversation_id: conversation_id.as_uuid(),
                    except: None,
                    also: None,
                },
                frame: Arc::new(Frame::plain(frames::read(conversation_id, user_id, seq))),
            },
            Notification::Delivered {
                conversation_id,
                user_id,
                seq,
            } => Self::Deliver {
                audience: Audience::Members {
                    conversation_id: conversation_id.as_uuid(),
                    except: None,
                    also: None,
                },
                frame: Arc::new(Frame::plain(frames::delivered(
                    conversation_id,
                    user_id,
                    seq,
                ))),
            },
            Notification::Typing {
                conversation_id,
                user_id,
                is_typing,
            } => Self::Deliver {
                audience: Audience::Members {
                    conversation_id: conversation_id.as_uuid(),
                    except: Some(user_id.as_uuid()),
                    also: None,
                },
                frame: Arc::new(Frame::plain(frames::typing(
                    conversation_id,
                    user_id,
                    is_typing,
                ))),
            },
            Notification::SessionsRevoked {
                user_id,
                session_ids,
            } => Self::CloseSessions {
                user: user_id.as_uuid(),
                sessions: Some(session_ids.iter().map(SessionId::as_uuid).collect()),
            },
            Notification::AccountDeleted { user_id } => Self::CloseSessions {
                user: user_id.as_uuid(),
                sessions: None,
            },
        }
    }

    /// The bytes carried by the cluster bus, naming the node that sends them.
    pub fn encode(&self, origin: Uuid) -> Vec<u8> {
        let body = match self {
            Self::Deliver { audience, frame } => Wire::Deliver {
                audience: audience.clone(),
                text: frame.text.to_string(),
                position: frame.position,
                effect: frame.effect,
                conversation_id: frame.conversation_id,
            },
            Self::CloseSessions { user, sessions } => Wire::CloseSessions {
                user: *user,
                sessions: sessions.clone(),
            },
            Self::Presence(report) => Wire::Presence(report.clone()),
        };
        serde_json::to_vec(&Carried { origin, body }).unwrap_or_else(|error| {
            // Plain data with string keys: this does not happen.
            tracing::error!(%error, "an envelope failed to serialise");
            Vec::new()
        })
    }

    /// The envelope and the node that sent it.
    pub fn decode(bytes: &[u8]) -> Result<(Uuid, Self), serde_json::Error> {
        let carried: Carried = serde_json::from_slice(bytes)?;
        let envelope = match carried.body {
            Wire::Deliver {
                audience,
                text,
                position,
                effect,
                conversation_id,
            } => Self::Deliver {
                audience,
                frame: Arc::new(Frame {
                    text: ByteString::from(text),
                    position,
                    effect,
                    conversation_id,
                }),
            },
            Wire::CloseSessions { user, sessions } => Self::CloseSessions { user, sessions },
            Wire::Presence(report) => Self::Presence(report),
        };
        Ok((carried.origin, envelope))
    }
}

impl Frame {
    /// A frame with no place in an event log and no side effects.
    pub fn plain(text: ByteString) -> Self {
        Self {
            text,
            position: None,
            effect: Effect::None,
            conversation_id: None,
        }
    }
}

/// An envelope as it crosses the bus, with the node that published it.
#[derive(Serialize, Deserialize)]
struct Carried {
    origin: Uuid,
    body: Wire,
}

/// An envelope's content on the bus.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    Deliver {
        audience: Audience,
        text: String,
        position: Option<EventPosition>,
        #[serde(default)]
        effect: Effect,
        conversation_id: Option<Uuid>,
    },
    CloseSessions {
        user: Uuid,
        sessions: Option<Vec<Uuid>>,
    },
    Presence(PresenceReport),
}

fn uuids(users: &[UserId]) -> Vec<Uuid> {
    users.iter().map(UserId::as_uuid).collect()
}

/// Conversation ids as the domain knows them.
pub fn conversation(id: Uuid) -> ConversationId {
    ConversationId::from_uuid(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_envelope_crosses_the_bus_unchanged() {
        let user = UserId::generate();
        let conversation_id = ConversationId::generate();
        let envelopes = [
            Envelope::from_notification(Notification::Typing {
                conversation_id,
                user_id: user,
                is_typing: true,
            }),
            Envelope::from_notification(Notification::ConversationDeleted {
                conversation_id,
                user_ids: vec![user],
            }),
            Envelope::from_notification(Notification::SessionsRevoked {
                user_id: user,
                session_ids: vec![SessionId::generate()],
            }),
            Envelope::Presence(PresenceReport::Changed {
                node: Uuid::now_v7(),
                user: user.as_uuid(),
                online: true,
                at: Utc::now(),
            }),
        ];
        let origin = Uuid::now_v7();
        for envelope in envelopes {
            assert_eq!(
                Envelope::decode(&envelope.encode(origin)).unwrap(),
                (origin, envelope)
            );
        }
        assert!(Envelope::decode(b"{\"kind\": \"unheard_of\"}").is_err());
    }

    #[test]
    fn a_typing_frame_goes_to_the_other_members() {
        let (user, conversation_id) = (UserId::generate(), ConversationId::generate());
        let Envelope::Deliver { audience, frame } =
            Envelope::from_notification(Notification::Typing {
                conversation_id,
                user_id: user,
                is_typing: false,
            })
        else {
            panic!("not a delivery");
        };
        assert_eq!(
            audience,
            Audience::Members {
                conversation_id: conversation_id.as_uuid(),
                except: Some(user.as_uuid()),
                also: None
            }
        );
        let json: serde_json::Value = serde_json::from_str(&frame.text).unwrap();
        assert_eq!(json["type"], "typing");
        assert_eq!(json["is_typing"], false);
    }
}
