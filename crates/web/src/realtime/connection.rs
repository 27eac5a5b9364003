//! One WebSocket connection: reads the client's commands, answers them through the
//! use-cases, and forwards what the hub offers, keeping every conversation's events in
//! order and without duplicates (a gap is filled from the event log before going on).

use super::CloseCode;
use super::commands::{self, Command, Incoming};
use super::delivered::Delivered;
use super::envelope::{Effect, EventPosition};
use super::frames;
use super::hub::{Hub, Outbound, Registration};
use super::inbox::{Inbox, Overflow};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::error::PayloadError;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, ProtocolError, Session};
use bytestring::ByteString;
use palaver_application::ApplicationError;
use palaver_application::messages::SendMessageInput;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Message, Notification};
use palaver_domain::ports::Notifier;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

/// Events read per page while filling a gap or syncing.
const EVENT_PAGE: u64 = 200;
/// Frames forwarded from the queue before the connection looks at its socket again.
const FORWARD_BATCH: usize = 256;
/// The most frames a connection holds back while busy (see [`Inbox`]).
const BACKLOG_LIMIT: usize = 16_384;
/// How long a closing handshake may wait for a client that is not reading.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// Timing of one connection.
#[derive(Debug, Clone, Copy)]
pub struct GatewaySettings {
    pub heartbeat_interval: Duration,
    pub typing_timeout: Duration,
    pub max_frame_bytes: usize,
}

/// Why the connection ends.
enum Stop {
    /// Close with this code.
    Close(CloseCode),
    /// The client closed, or the socket is gone: nothing more to send.
    Gone,
}

/// What goes out on the socket.
enum Write {
    Text(ByteString),
    Ping,
    Pong(actix_web::web::Bytes),
}

impl From<Overflow> for Stop {
    fn from(overflow: Overflow) -> Self {
        Stop::Close(overflow.into())
    }
}

/// A conversation the user is typing in.
#[derive(Debug, Clone, Copy)]
struct Typing {
    /// When it ends without a renewal.
    lapses: Instant,
    /// When the others last heard of it.
    relayed: Instant,
}

/// How filling a gap from the log went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filled {
    Yes,
    /// The user may not read the conversation.
    NotAllowed,
    /// The log could not be read.
    Failed,
}

pub(crate) struct Connection {
    state: AppState,
    hub: Hub,
    actor: Actor,
    settings: GatewaySettings,
    session: Session,
    id: u64,
    close: watch::Receiver<Option<CloseCode>>,
    inbox: Inbox,
    /// Which events of each conversation this connection has sent.
    delivered: HashMap<Uuid, Delivered>,
    /// Conversations the user is typing in.
    typing: HashMap<ConversationId, Typing>,
}

impl Connection {
    pub(crate) fn new(
        state: AppState,
        actor: Actor,
        session: Session,
        registration: Registration,
    ) -> Self {
        Self {
            hub: state.hub.clone(),
            settings: state.gateway,
            state,
            actor,
            session,
            id: registration.id,
            close: registration.close,
            inbox: Inbox::new(registration.outbound, BACKLOG_LIMIT),
            delivered: HashMap::new(),
            typing: HashMap::new(),
        }
    }

    /// Serves the connection until it ends, then leaves the hub.
    pub(crate) async fn run(mut self, mut stream: AggregatedMessageStream) {
        let stop = self.serve(&mut stream).await;
        for (conversation_id, _) in std::mem::take(&mut self.typing) {
            self.relay_typing_stopped(conversation_id);
        }
        self.hub.unregister(self.actor.user_id, self.id);
        if let Stop::Close(code) = stop {
            // A client that does not read may never take the close frame; it gets a grace
            // period, and then the connection is dropped.
            let session = self.session;
            actix_web::rt::spawn(async move {
                let _ = tokio::time::timeout(CLOSE_GRACE, session.close(Some(code.into()))).await;
            });
        }
    }

    async fn serve(&mut self, stream: &mut AggregatedMessageStream) -> Stop {
        let ready = frames::ready(
            self.actor.user_id,
            self.actor.session_id,
            self.settings.heartbeat_interval.as_millis() as u64,
        );
        if let Err(stop) = self.send(ready).await {
            return stop;
        }
        let interval = self.settings.heartbeat_interval;
        let mut heartbeat = tokio::time::interval_at(Instant::now() + interval, interval);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            let typing_lapses = self.typing.values().map(|t| t.lapses).min();
            // Unbiased: neither a client's stream of commands nor a busy conversation can
            // starve the other direction.
            let step = tokio::select! {
                _ = self.close.changed() => {
                    Err(Stop::Close((*self.close.borrow()).unwrap_or(CloseCode::GoingAway)))
                }
                inbound = stream.recv() => {
                    last_heard = Instant::now();
                    self.on_inbound(inbound).await
                }
                frame = self.inbox.next() => match frame {
                    Some(frame) => self.forward_batch(frame).await,
                    None => Err(Stop::Close(CloseCode::GoingAway)),
                },
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > interval * 2 {
                        Err(Stop::Close(CloseCode::HeartbeatTimeout))
                    } else {
                        self.write(Write::Ping).await
                    }
                }
                _ = tokio::time::sleep_until(typing_lapses.unwrap_or_else(Instant::now)),
                    if typing_lapses.is_some() => {
                    self.expire_typing();
                    Ok(())
                }
            };
            if let Err(stop) = step {
                return stop;
            }
        }
    }

    /// Sends a frame, giving up if the hub closes the connection meanwhile (a client that
    /// stopped reading would otherwise hold this task forever).
    async fn send(&mut self, text: ByteString) -> Result<(), Stop> {
        // The socket is taking frames: what the hub queued meanwhile waits in the backlog,
        // so a busy but reading client is not taken for a slow one.
        self.inbox.take_ready()?;
        self.write(Write::Text(text)).await
    }

    /// Writes to the socket unless the hub closes the connection first.
    async fn write(&mut self, write: Write) -> Result<(), Stop> {
        let session = &mut self.session;
        let written = async move {
            match write {
                Write::Text(text) => session.text(text).await,
                Write::Ping => session.ping(b"").await,
                Write::Pong(bytes) => session.pong(&bytes).await,
            }
        };
        tokio::select! {
            written = written => written.map_err(|_| Stop::Gone),
            _ = self.close.changed() => {
                Err(Stop::Close((*self.close.borrow()).unwrap_or(CloseCode::GoingAway)))
            }
        }
    }

    async fn on_inbound(
        &mut self,
        inbound: Option<Result<AggregatedMessage, ProtocolError>>,
    ) -> Result<(), Stop> {
        match inbound {
            None | Some(Ok(AggregatedMessage::Close(_))) => Err(Stop::Close(CloseCode::Normal)),
            Some(Ok(AggregatedMessage::Text(text))) => self.on_command(&text).await,
            Some(Ok(AggregatedMessage::Binary(_))) => {
                let error = ApiError::bad_request("frames must be JSON text, not binary");
                self.send(frames::error(None, &error)).await
            }
            Some(Ok(AggregatedMessage::Ping(bytes))) => self.write(Write::Pong(bytes)).await,
            Some(Ok(AggregatedMessage::Pong(_))) => Ok(()),
            Some(Err(ProtocolError::Overflow)) => Err(Stop::Close(CloseCode::TooBig)),
            // The frame guard's refusal of a frame declared too large, as actix-ws wraps it.
            Some(Err(ProtocolError::Io(error)))
                if error
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<PayloadError>())
                    .is_some_and(|inner| matches!(inner, PayloadError::Overflow)) =>
            {
                Err(Stop::Close(CloseCode::TooBig))
            }
            Some(Err(ProtocolError::Io(error)))
                if error.to_string().contains("maximum continuation size") =>
            {
                Err(Stop::Close(CloseCode::TooBig))
            }
            Some(Err(error)) => {
                tracing::debug!(%error, "WebSocket protocol error");
                Err(Stop::Close(CloseCode::Protocol))
            }
        }
    }

    async fn on_command(&mut self, text: &str) -> Result<(), Stop> {
        let Incoming { client_id, command } = match commands::parse_command(text) {
            Ok(incoming) => incoming,
            Err(rejected) => {
                let frame = frames::error(rejected.client_id.as_deref(), &rejected.error);
                return self.send(frame).await;
            }
        };
        let client_id = client_id.as_deref();
        let answer = match command {
            Command::Ping => Ok(frames::pong(client_id)),
            Command::Sync { cursors } => return self.sync(client_id, cursors).await,
            Command::Typing {
                conversation_id,
                is_typing: true,
            } if self.typing.contains_key(&conversation_id) => {
                self.renew_typing(conversation_id);
                Ok(frames::ack(client_id, None))
            }
            command => {
                let done = self
                    .inbox
                    .while_pending(execute(&self.state, &self.actor, &command))
                    .await?;
                if done.is_ok() {
                    self.after(&command);
                }
                done.map(|message| frames::ack(client_id, message))
            }
        };
        let frame = answer.unwrap_or_else(|error| frames::error(client_id, &error.into()));
        self.send(frame).await
    }

    /// Keeps the typing state in step with a command that succeeded.
    fn after(&mut self, command: &Command) {
        match *command {
            // A sent message ends the typing that led up to it.
            Command::Send {
                conversation_id, ..
            } if self.typing.remove(&conversation_id).is_some() => {
                self.relay_typing_stopped(conversation_id);
            }
            Command::Typing {
                conversation_id,
                is_typing,
            } => {
                if is_typing {
                    let now = Instant::now();
                    let typing = Typing {
                        lapses: now + self.settings.typing_timeout,
                        relayed: now,
                    };
                    self.typing.insert(conversation_id, typing);
                } else {
                    self.typing.remove(&conversation_id);
                }
            }
            _ => {}
        }
    }

    /// A renewal pushes the deadline back. The others hear it again only now and then, so
    /// that their own timers (if the typist's node dies, nobody tells them it stopped) do
    /// not lapse while the typing goes on.
    fn renew_typing(&mut self, conversation_id: ConversationId) {
        let timeout = self.settings.typing_timeout;
        let Some(typing) = self.typing.get_mut(&conversation_id) else {
            return;
        };
        let now = Instant::now();
        typing.lapses = now + timeout;
        if now.duration_since(typing.relayed) >= timeout / 2 {
            typing.relayed = now;
            self.hub.notify(Notification::Typing {
                conversation_id,
                user_id: self.actor.user_id,
                is_typing: true,
            });
        }
    }

    fn relay_typing_stopped(&self, conversation_id: ConversationId) {
        self.hub.notify(Notification::Typing {
            conversation_id,
            user_id: self.actor.user_id,
            is_typing: false,
        });
    }

    fn expire_typing(&mut self) {
        let now = Instant::now();
        let lapsed: Vec<ConversationId> = self
            .typing
            .iter()
            .filter(|(_, typing)| typing.lapses <= now)
            .map(|(id, _)| *id)
            .collect();
        for conversation_id in lapsed {
            self.typing.remove(&conversation_id);
            self.relay_typing_stopped(conversation_id);
        }
    }

    /// Sends every event after each cursor, in order, then `synced`. Live events queued
    /// meanwhile are forwarded afterwards; none is sent twice on this connection.
    async fn sync(
        &mut self,
        client_id: Option<&str>,
        cursors: Vec<(ConversationId, i64)>,
    ) -> Result<(), Stop> {
        let mut reached = HashMap::new();
        for (conversation_id, after) in cursors {
            match self.send_events_after(conversation_id, after, None).await? {
                Ok(last) => {
                    reached.insert(conversation_id, last);
                }
                Err(error) => {
                    let key = conversation_id.as_uuid().to_string();
                    let error = ApiError::from(error).with_detail("conversation_id", key.into());
                    self.send(frames::error(client_id, &error)).await?;
                }
            }
        }
        self.send(frames::synced(client_id, &reached)).await
    }

    /// Sends the conversation's events after `after` from the log, up to `until` if
    /// given, leaving out those this connection already sent. Returns the last seq read
    /// (or `after` if there was none).
    async fn send_events_after(
        &mut self,
        conversation_id: ConversationId,
        mut after: i64,
        until: Option<i64>,
    ) -> Result<Result<i64, ApplicationError>, Stop> {
        let key = conversation_id.as_uuid();
        loop {
            let read = self.state.list_events.execute(
                &self.actor,
                conversation_id,
                after,
                Some(EVENT_PAGE),
            );
            let page = match self.inbox.while_pending(read).await? {
                Ok(page) => page,
                Err(error) => return Ok(Err(error)),
            };
            for event in page.events {
                after = event.seq;
                if self.delivered.get(&key).is_some_and(|d| d.covers(after)) {
                    continue;
                }
                Delivered::record(&mut self.delivered, key, after);
                self.send(frames::event(event)).await?;
            }
            if !page.has_more || until.is_some_and(|until| after >= until) {
                return Ok(Ok(after));
            }
        }
    }

    /// Forwards a frame from the hub and whatever else is already waiting behind it.
    async fn forward_batch(&mut self, first: Outbound) -> Result<(), Stop> {
        self.forward(first).await?;
        for _ in 1..FORWARD_BATCH {
            match self.inbox.try_next() {
                Some(frame) => self.forward(frame).await?,
                None => break,
            }
        }
        Ok(())
    }

    async fn forward(&mut self, frame: Outbound) -> Result<(), Stop> {
        let Some(EventPosition {
            conversation_id,
            seq,
        }) = frame.position
        else {
            return self.send_with_effect(&frame).await;
        };
        let id = ConversationId::from_uuid(conversation_id);
        let known = self.delivered.get(&conversation_id).copied();
        if let Some(known) = known
            && seq > known.last + 1
        {
            // Something committed before this event has not reached us (yet): read it from
            // the log first.
            match self.fill_from_log(id, known.last, seq).await? {
                Filled::Yes => {}
                // The user may no longer read the conversation (removed by an event not
                // seen yet): neither this event nor the ones before are theirs.
                Filled::NotAllowed => {
                    self.delivered.remove(&conversation_id);
                    return Ok(());
                }
                // The gap stays for the client's sync: start a new run at this event, so
                // that a sync from before it still sends what is missing.
                Filled::Failed => {
                    self.delivered.remove(&conversation_id);
                }
            }
        }
        if self
            .delivered
            .get(&conversation_id)
            .is_some_and(|d| d.covers(seq))
        {
            return Ok(());
        }
        Delivered::record(&mut self.delivered, conversation_id, seq);
        self.send_with_effect(&frame).await?;
        if let Some(known) = known
            && seq + 1 < known.first
        {
            // A late event from before the first one sent: what lies between comes from
            // the log too, so that the run stays unbroken.
            if self.fill_from_log(id, seq, known.first - 1).await? != Filled::Yes {
                // Only this late event is known to be sent: a new run starts with it.
                self.delivered.insert(
                    conversation_id,
                    Delivered {
                        first: seq,
                        last: seq,
                    },
                );
            }
        }
        Ok(())
    }

    async fn fill_from_log(
        &mut self,
        conversation_id: ConversationId,
        after: i64,
        until: i64,
    ) -> Result<Filled, Stop> {
        Ok(
            match self
                .send_events_after(conversation_id, after, Some(until))
                .await?
            {
                Ok(_) => Filled::Yes,
                Err(ApplicationError::NotFound(_) | ApplicationError::Forbidden(_)) => {
                    Filled::NotAllowed
                }
                Err(error) => {
                    tracing::warn!(%error, %conversation_id, "filling a gap from the event log failed");
                    Filled::Failed
                }
            },
        )
    }

    async fn send_with_effect(&mut self, frame: &Outbound) -> Result<(), Stop> {
        self.send(frame.text.clone()).await?;
        match (frame.effect, frame.conversation_id) {
            (Effect::Left(user), Some(conversation)) if user == self.actor.user_id.as_uuid() => {
                self.delivered.remove(&conversation);
            }
            (Effect::ConversationGone, Some(conversation)) => {
                self.delivered.remove(&conversation);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Runs a command through its use-case; the message it touched goes into the `ack`.
async fn execute(
    state: &AppState,
    actor: &Actor,
    command: &Command,
) -> Result<Option<Message>, ApplicationError> {
    match command {
        Command::Send {
            conversation_id,
            content,
            client_id,
            reply_to_id,
        } => {
            let input = SendMessageInput {
                conversation_id: *conversation_id,
                content: content.clone(),
                client_id: Some(client_id.clone()),
                reply_to_id: *reply_to_id,
            };
            Ok(Some(
                state.send_message.execute(actor, input).await?.message,
            ))
        }
        Command::Edit {
            message_id,
            content,
        } => Ok(Some(
            state
                .edit_message
                .execute(actor, *message_id, content.clone())
                .await?,
        )),
        Command::Delete { message_id } => {
            state.delete_message.execute(actor, *message_id).await?;
            Ok(None)
        }
        Command::Read {
            conversation_id,
            seq,
        } => {
            state
                .mark_read
                .execute(actor, *conversation_id, *seq)
                .await?;
            Ok(None)
        }
        Command::Typing {
            conversation_id,
            is_typing,
        } => {
            state
                .set_typing
                .execute(actor, *conversation_id, *is_typing)
                .await?;
            Ok(None)
        }
        Command::Ping | Command::Sync { .. } => Ok(None),
    }
}
