//! One WebSocket connection: `ready`, then `sync` from the cursors, then live frames. A
//! message that mentions the bot (or any message in a direct conversation) from someone
//! else is answered with `message.send`, whose `client_id` is derived from the message's
//! id: answering the same message twice (after a reconnect) gives the first answer back
//! instead of a second message.

use crate::api::{Api, Me};
use crate::cursors::Cursors;
use crate::mention::mentions;
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::StatusCode;

/// The close code after which reconnecting is pointless: the token was revoked, or the
/// bot deleted.
const REVOKED: u16 = 4001;

/// How a connection ended.
pub enum Ended {
    /// The token no longer works.
    Revoked,
    /// The connection dropped; reconnect and `sync`.
    Dropped,
}

/// The longest echo sent back: the server takes 4000 characters.
const MAX_ECHO_CHARS: usize = 3900;

pub async fn run(api: &Api, me: &Me, cursors: &mut Cursors) -> anyhow::Result<Ended> {
    let mut request = api.ws_url().into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", api.authorization().parse()?);
    let (mut socket, _) = match tokio_tungstenite::connect_async(request).await {
        Ok(connected) => connected,
        Err(tokio_tungstenite::tungstenite::Error::Http(response))
            if response.status() == StatusCode::UNAUTHORIZED =>
        {
            return Ok(Ended::Revoked);
        }
        Err(error) => return Err(error).context("connecting to the gateway"),
    };
    let mut kinds: HashMap<String, String> = HashMap::new();
    while let Some(message) = socket.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(frame)) => {
                let code = frame.map(|f| u16::from(f.code));
                eprintln!("palaver-echo-bot: closed by the server ({code:?})");
                return Ok(if code == Some(REVOKED) {
                    Ended::Revoked
                } else {
                    Ended::Dropped
                });
            }
            Ok(_) => continue,
            Err(error) => {
                eprintln!("palaver-echo-bot: reading: {error}");
                return Ok(Ended::Dropped);
            }
        };
        let frame: Value = match serde_json::from_str(&text) {
            Ok(frame) => frame,
            Err(error) => bail!("the server sent a frame that is not JSON: {error}"),
        };
        let outcome = handle(api, me, cursors, &mut kinds, &frame).await?;
        if let Some(reply) = outcome.reply {
            socket.send(Message::text(reply.to_string())).await?;
        }
        // The cursor moves only once the answer is on its way: a connection that drops
        // first gets the message again from `sync`, and the answer's client id keeps it
        // from being answered twice.
        if let Some((conversation, seq)) = outcome.seen {
            cursors.advance(&conversation, seq);
            cursors.save()?;
        }
    }
    Ok(Ended::Dropped)
}

/// What one frame leads to: a frame to send back, and a conversation event seen.
#[derive(Default)]
struct Outcome {
    reply: Option<Value>,
    seen: Option<(String, i64)>,
}

async fn handle(
    api: &Api,
    me: &Me,
    cursors: &mut Cursors,
    kinds: &mut HashMap<String, String>,
    frame: &Value,
) -> anyhow::Result<Outcome> {
    let kind = frame["type"].as_str().unwrap_or_default();
    match kind {
        // Resume: everything after each cursor, in order, then `synced`.
        "ready" => Ok(Outcome {
            reply: Some(json!({ "type": "sync", "cursors": cursors.as_json() })),
            seen: None,
        }),
        "conversation.created" => {
            let conversation = &frame["conversation"];
            if let (Some(id), Some(kind)) =
                (conversation["id"].as_str(), conversation["kind"].as_str())
            {
                kinds.insert(id.to_owned(), kind.to_owned());
                cursors.advance(id, conversation["last_seq"].as_i64().unwrap_or(0));
                cursors.save()?;
            }
            Ok(Outcome::default())
        }
        "conversation.deleted" => {
            if let Some(id) = frame["conversation_id"].as_str() {
                cursors.forget(id);
                cursors.save()?;
            }
            Ok(Outcome::default())
        }
        "error" => {
            eprintln!("palaver-echo-bot: the server refused a frame: {frame}");
            Ok(Outcome::default())
        }
        _ => {
            let (Some(conversation), Some(seq)) =
                (frame["conversation_id"].as_str(), frame["seq"].as_i64())
            else {
                return Ok(Outcome::default());
            };
            if !cursors.is_new(conversation, seq) {
                // seen before (sync and live events may overlap)
                return Ok(Outcome::default());
            }
            if kind == "member.left" && frame["user_id"] == me.id.as_str() {
                cursors.forget(conversation);
                cursors.save()?;
                return Ok(Outcome::default());
            }
            let reply = if kind == "message.created" {
                answer(api, me, kinds, conversation, &frame["message"]).await?
            } else {
                None
            };
            Ok(Outcome {
                reply,
                seen: Some((conversation.to_owned(), seq)),
            })
        }
    }
}

async fn answer(
    api: &Api,
    me: &Me,
    kinds: &mut HashMap<String, String>,
    conversation: &str,
    message: &Value,
) -> anyhow::Result<Option<Value>> {
    // Never answer oneself or another bot: two echo bots would talk forever.
    if message["sender_id"] == me.id.as_str() || message["sender_kind"] != "user" {
        return Ok(None);
    }
    let Some(content) = message["content"].as_str() else {
        return Ok(None);
    };
    let named = message["mentions"]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|id| id == me.id.as_str()));
    let addressed = named || mentions(content, &me.username) || {
        let kind = match kinds.get(conversation) {
            Some(kind) => kind.clone(),
            None => {
                let kind = api.conversation_kind(conversation).await?;
                kinds.insert(conversation.to_owned(), kind.clone());
                kind
            }
        };
        kind == "direct"
    };
    if !addressed {
        return Ok(None);
    }
    let Some(id) = message["id"].as_str() else {
        return Ok(None);
    };
    let echo: String = format!("echo: {content}")
        .chars()
        .take(MAX_ECHO_CHARS)
        .collect();
    Ok(Some(json!({
        "type": "message.send",
        "conversation_id": conversation,
        "content": echo,
        "client_id": format!("echo-{id}"),
        "reply_to_id": id,
    })))
}
