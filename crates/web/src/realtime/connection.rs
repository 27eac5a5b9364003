//! One WebSocket connection: reads the client's commands, answers them through the
//! use-cases, and forwards what the hub offers, keeping every conversation's events in
//! order and without duplicates (a gap is filled from the event log before going on).

use super::CloseCode;
use super::envelope::{Effect, EventPosition};
use super::frames::{self, Command, Incoming};
use super::hub::{Hub, Outbound, Registration};
use crate::error::ApiError;
use crate::state::AppState;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, ProtocolError, Session};
use bytestring::ByteString;
use palaver_application::ApplicationError;
use palaver_application::messages::SendMessageInput;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::Notifier;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use uuid::Uuid;

/// Events read per page while filling a gap or syncing.
const EVENT_PAGE: u64 = 200;
/// Frames forwarded from the queue before the connection looks at its socket again.
const FORWARD_BATCH: usize = 256;
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

pub(crate) struct Connection {
    state: AppState,
    hub: Hub,
    actor: Actor,
    settings: GatewaySettings,
    session: Session,
    id: u64,
    close: watch::Receiver<Option<CloseCode>>,
    /// The last seq forwarded per conversation.
    cursors: HashMap<Uuid, i64>,
    /// Conversations the user is typing in, and when that lapses.
    typing: HashMap<ConversationId, Instant>,
}

impl Connection {
    pub(crate) fn new(
        state: AppState,
        actor: Actor,
        session: Session,
        registration: &Registration,
    ) -> Self {
        Self {
            hub: state.hub.clone(),
            settings: state.gateway,
            state,
            actor,
            session,
            id: registration.id,
            close: registration.close.clone(),
            cursors: HashMap::new(),
            typing: HashMap::new(),
        }
    }

    /// Serves the connection until it ends, then leaves the hub.
    pub(crate) async fn run(
        mut self,
        mut stream: AggregatedMessageStream,
        mut outbound: mpsc::Receiver<Outbound>,
    ) {
        let stop = self.serve(&mut stream, &mut outbound).await;
        for (conversation_id, _) in std::mem::take(&mut self.typing) {
            self.relay_typing_stopped(conversation_id);
        }
        self.hub.unregister(self.actor.user_id, self.id);
        drop(outbound);
        if let Stop::Close(code) = stop {
            // A client that does not read may never take the close frame; it gets a grace
            // period, and then the connection is dropped.
            let session = self.session;
            actix_web::rt::spawn(async move {
                let _ = tokio::time::timeout(CLOSE_GRACE, session.close(Some(code.into()))).await;
            });
        }
    }

    async fn serve(
        &mut self,
        stream: &mut AggregatedMessageStream,
        outbound: &mut mpsc::Receiver<Outbound>,
    ) -> Stop {
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
            let typing_lapses = self.typing.values().min().copied();
            let step = tokio::select! {
                biased;
                _ = self.close.changed() => {
                    Err(Stop::Close((*self.close.borrow()).unwrap_or(CloseCode::GoingAway)))
                }
                inbound = stream.recv() => {
                    last_heard = Instant::now();
                    match self.on_inbound(inbound).await {
                        // A client whose commands keep coming still gets what is queued
                        // for it; else its queue fills while it is served and the hub
                        // closes it as too slow.
                        Ok(()) => self.forward_queued(outbound).await,
                        stop => stop,
                    }
                }
                frame = outbound.recv() => match frame {
                    Some(frame) => self.forward_batch(frame, outbound).await,
                    None => Err(Stop::Close(CloseCode::GoingAway)),
                },
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > interval * 2 {
                        Err(Stop::Close(CloseCode::HeartbeatTimeout))
                    } else {
                        self.session.ping(b"").await.map_err(|_| Stop::Gone)
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
        tokio::select! {
            sent = self.session.text(text) => sent.map_err(|_| Stop::Gone),
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
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                self.session.pong(&bytes).await.map_err(|_| Stop::Gone)
            }
            Some(Ok(AggregatedMessage::Pong(_))) => Ok(()),
            Some(Err(ProtocolError::Overflow)) => Err(Stop::Close(CloseCode::TooBig)),
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
        let Incoming { client_id, command } = match frames::parse_command(text) {
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
            command => self
                .execute(command)
                .await
                .map(|message| frames::ack(client_id, message)),
        };
        let frame = answer.unwrap_or_else(|error| frames::error(client_id, &error.into()));
        self.send(frame).await
    }

    /// Runs a command through its use-case; the message it touched goes into the `ack`.
    async fn execute(
        &mut self,
        command: Command,
    ) -> Result<Option<palaver_domain::conversation::Message>, ApplicationError> {
        let state = &self.state;
        let actor = &self.actor;
        match command {
            Command::Send {
                conversation_id,
                content,
                client_id,
                reply_to_id,
            } => {
                let input = SendMessageInput {
                    conversation_id,
                    content,
                    client_id: Some(client_id),
                    reply_to_id,
                };
                let sent = state.send_message.execute(actor, input).await?;
                // A sent message ends the typing that led up to it.
                if self.typing.remove(&conversation_id).is_some() {
                    self.relay_typing_stopped(conversation_id);
                }
                Ok(Some(sent.message))
            }
            Command::Edit {
                message_id,
                content,
            } => Ok(Some(
                state
                    .edit_message
                    .execute(actor, message_id, content)
                    .await?,
            )),
            Command::Delete { message_id } => {
                state.delete_message.execute(actor, message_id).await?;
                Ok(None)
            }
            Command::Read {
                conversation_id,
                seq,
            } => {
                state.mark_read.execute(actor, conversation_id, seq).await?;
                Ok(None)
            }
            Command::Typing {
                conversation_id,
                is_typing,
            } => {
                let lapses = Instant::now() + self.settings.typing_timeout;
                if is_typing {
                    // A renewal only pushes the deadline back; the others heard already.
                    if let Some(deadline) = self.typing.get_mut(&conversation_id) {
                        *deadline = lapses;
                        return Ok(None);
                    }
                    state
                        .set_typing
                        .execute(actor, conversation_id, true)
                        .await?;
                    self.typing.insert(conversation_id, lapses);
                } else {
                    state
                        .set_typing
                        .execute(actor, conversation_id, false)
                        .await?;
                    self.typing.remove(&conversation_id);
                }
                Ok(None)
            }
            Command::Ping | Command::Sync { .. } => Ok(None),
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
            .filter(|(_, deadline)| **deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for conversation_id in lapsed {
            self.typing.remove(&conversation_id);
            self.relay_typing_stopped(conversation_id);
        }
    }

    /// Sends every event after each cursor, in order, then `synced`. Live events queued
    /// meanwhile are forwarded afterwards, and the cursors drop those already sent.
    async fn sync(
        &mut self,
        client_id: Option<&str>,
        cursors: Vec<(ConversationId, i64)>,
    ) -> Result<(), Stop> {
        let mut reached = HashMap::new();
        for (conversation_id, after) in cursors {
            let key = conversation_id.as_uuid();
            self.cursors.insert(key, after);
            match self.send_events_after(conversation_id, after, None).await? {
                Ok(last) => {
                    reached.insert(conversation_id, last);
                }
                Err(error) => {
                    self.cursors.remove(&key);
                    let error = ApiError::from(error)
                        .with_detail("conversation_id", key.to_string().into());
                    self.send(frames::error(client_id, &error)).await?;
                }
            }
        }
        self.send(frames::synced(client_id, &reached)).await
    }

    /// Sends the conversation's events after `after` from the log, up to `until` if
    /// given, and moves the cursor along. Returns the last seq sent (or `after`).
    async fn send_events_after(
        &mut self,
        conversation_id: ConversationId,
        mut after: i64,
        until: Option<i64>,
    ) -> Result<Result<i64, ApplicationError>, Stop> {
        loop {
            let page = match self
                .state
                .list_events
                .execute(&self.actor, conversation_id, after, Some(EVENT_PAGE))
                .await
            {
                Ok(page) => page,
                Err(error) => return Ok(Err(error)),
            };
            for event in page.events {
                after = event.seq;
                self.cursors.insert(conversation_id.as_uuid(), after);
                self.send(frames::event(event)).await?;
            }
            if !page.has_more || until.is_some_and(|until| after >= until) {
                return Ok(Ok(after));
            }
        }
    }

    /// Forwards a frame from the hub and whatever else is already queued behind it.
    async fn forward_batch(
        &mut self,
        first: Outbound,
        outbound: &mut mpsc::Receiver<Outbound>,
    ) -> Result<(), Stop> {
        self.forward(first).await?;
        self.forward_waiting(outbound, FORWARD_BATCH - 1).await
    }

    /// Forwards what is already queued, up to a batch, without waiting for more.
    async fn forward_queued(
        &mut self,
        outbound: &mut mpsc::Receiver<Outbound>,
    ) -> Result<(), Stop> {
        self.forward_waiting(outbound, FORWARD_BATCH).await
    }

    async fn forward_waiting(
        &mut self,
        outbound: &mut mpsc::Receiver<Outbound>,
        at_most: usize,
    ) -> Result<(), Stop> {
        for _ in 0..at_most {
            match outbound.try_recv() {
                Ok(frame) => self.forward(frame).await?,
                Err(_) => break,
            }
        }
        Ok(())
    }

    async fn forward(&mut self, frame: Outbound) -> Result<(), Stop> {
        if let Some(EventPosition {
            conversation_id,
            seq,
        }) = frame.position
        {
            if let Some(&last) = self.cursors.get(&conversation_id) {
                if seq > last + 1 {
                    // Something committed before this event has not reached us (yet): read
                    // it from the log first. A failure leaves the gap to the client's sync.
                    let id = ConversationId::from_uuid(conversation_id);
                    if let Err(error) = self.send_events_after(id, last, Some(seq)).await? {
                        tracing::debug!(%error, "filling a gap from the event log failed");
                    }
                }
                if self
                    .cursors
                    .get(&conversation_id)
                    .is_some_and(|&last| seq <= last)
                {
                    return Ok(());
                }
            }
            self.cursors.insert(conversation_id, seq);
        }
        self.send(frame.text.clone()).await?;
        match (frame.effect, frame.conversation_id) {
            (Effect::Left(user), Some(conversation)) if user == self.actor.user_id.as_uuid() => {
                self.cursors.remove(&conversation);
            }
            (Effect::ConversationGone, Some(conversation)) => {
                self.cursors.remove(&conversation);
            }
            _ => {}
        }
        Ok(())
    }
}
