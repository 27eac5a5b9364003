//! One WebSocket connection, the driver: reads the client's commands, answers
//! them through the use-cases, and forwards what the hub offers through the connection's
//! stream state in `palaver_realtime` (which keeps every conversation's events in order
//! and without duplicates).

mod execute;
mod stream;

use super::commands::{self, Command, Incoming};
use super::pipeline::{Answered, Pipeline};
use super::socket::{Inbound, ReadError, Socket};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::web;
use bytestring::ByteString;
use execute::execute;
use palaver_application::messages::SendMessageInput;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Notification};
use palaver_domain::ports::Notifier;
use palaver_realtime::frames;
use palaver_realtime::{
    CloseCode, ConnectionStream, Hub, Inbox, Overflow, Registration, SocketTask, TypingState,
};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

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
pub(crate) enum Stop {
    /// Close with this code.
    Close(CloseCode),
    /// The client closed, or the socket is gone: nothing more to send.
    Gone,
}

/// What goes out on the socket.
enum Write {
    Text(ByteString),
    Ping,
    Pong(bytes::Bytes),
}

impl From<Overflow> for Stop {
    fn from(overflow: Overflow) -> Self {
        Stop::Close(CloseCode::from(overflow))
    }
}

pub(crate) struct Connection {
    state: web::Data<AppState>,
    hub: Hub,
    actor: Actor,
    settings: GatewaySettings,
    socket: Socket,
    id: u64,
    close: watch::Receiver<Option<CloseCode>>,
    inbox: Inbox,
    /// What this connection has sent of each conversation (see `palaver_realtime`).
    stream: ConnectionStream,
    /// Conversations the user is typing in.
    typing: TypingState,
    /// Sends in flight.
    pipeline: Pipeline,
    /// `palaver_ws_frames_sent_total`, looked up once per connection.
    frames_sent: metrics::Counter,
    /// `palaver_ws_frames_received_total`.
    frames_received: metrics::Counter,
    /// Leaves the hub if this task ends some other way than through [`Self::run`]'s end
    /// (a panic, the runtime dropped), and counts the task in the server's graceful stop.
    _task: SocketTask,
}

impl Connection {
    pub(crate) fn new(
        state: web::Data<AppState>,
        actor: Actor,
        registration: Registration,
        socket: Socket,
        task: SocketTask,
    ) -> Self {
        let settings = state.gateway;
        Self {
            hub: state.hub.clone(),
            settings,
            state,
            actor,
            socket,
            id: registration.id,
            close: registration.close,
            inbox: Inbox::new(registration.outbound, BACKLOG_LIMIT),
            stream: ConnectionStream::new(actor.user_id),
            typing: TypingState::new(settings.typing_timeout),
            pipeline: Pipeline::default(),
            frames_sent: metrics::counter!("palaver_ws_frames_sent_total"),
            frames_received: metrics::counter!("palaver_ws_frames_received_total"),
            _task: task,
        }
    }

    /// Serves the connection until it ends, then leaves the hub.
    pub(crate) async fn run(mut self) {
        let opened = Instant::now();
        tracing::info!("WebSocket opened");
        let stop = self.serve().await;
        let duration_ms = u64::try_from(opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &stop {
            Stop::Close(code) => {
                let (code, reason) = code.code_and_reason();
                tracing::info!(code, reason, duration_ms, "WebSocket closed");
            }
            Stop::Gone => tracing::info!(duration_ms, "WebSocket closed by the client"),
        }
        for conversation_id in self.typing.end_all() {
            self.relay_typing_stopped(conversation_id);
        }
        self.hub.unregister(self.actor.user_id, self.id);
        if let Stop::Close(code) = stop
            && self.socket.close(code).is_ok()
        {
            // A client that does not read may never take the close frame; it gets a grace
            // period, and then the connection is dropped.
            let _ = tokio::time::timeout(CLOSE_GRACE, self.socket.finish()).await;
        }
    }

    async fn serve(&mut self) -> Stop {
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
            // What the last step wrote leaves in one write.
            if self.socket.try_flush().is_err() {
                return Stop::Gone;
            }
            // Every step but waiting is boxed, so that an idle connection's task holds only
            // what the wait needs (see the size test below).
            // The hub fans out on threads of its own: whatever it queued while this task ran
            // moves to the backlog each turn, so a client that reads is never taken for slow.
            if let Err(overflow) = self.inbox.take_ready() {
                return overflow.into();
            }
            let typing_lapses = self.typing.next_lapse();
            let reading = self.pipeline.has_room();
            // Unbiased: neither a client's stream of commands nor a busy conversation can
            // starve the other direction.
            let step = tokio::select! {
                _ = self.close.changed() => {
                    Err(Stop::Close((*self.close.borrow()).unwrap_or(CloseCode::GoingAway)))
                }
                inbound = self.socket.next(reading) => {
                    last_heard = Instant::now();
                    Box::pin(self.on_inbound(inbound)).await
                }
                Some(answered) = self.pipeline.next(), if !self.pipeline.is_empty() => {
                    Box::pin(self.answer(answered)).await
                }
                frame = self.inbox.next() => match frame {
                    Some(frame) => Box::pin(self.forward_batch(frame)).await,
                    None => Err(Stop::Close(CloseCode::GoingAway)),
                },
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() > interval * 2 {
                        Err(Stop::Close(CloseCode::HeartbeatTimeout))
                    } else {
                        Box::pin(self.write(Write::Ping)).await
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
        self.frames_sent.increment(1);
        self.write(Write::Text(text)).await
    }

    /// Writes to the socket, first waiting for room if the client is behind, unless the
    /// hub closes the connection meanwhile. The frame is encoded into the socket's buffer
    /// at once; frames written back to back leave in one write.
    async fn write(&mut self, write: Write) -> Result<(), Stop> {
        if !self.socket.has_room().map_err(|_| Stop::Gone)? {
            tokio::select! {
                room = self.socket.writable() => room.map_err(|_| Stop::Gone)?,
                _ = self.close.changed() => {
                    return Err(Stop::Close(
                        (*self.close.borrow()).unwrap_or(CloseCode::GoingAway),
                    ));
                }
            }
        }
        match write {
            Write::Text(text) => self.socket.text(&text),
            Write::Ping => self.socket.ping(),
            Write::Pong(bytes) => self.socket.pong(&bytes),
        }
        .map_err(|_| Stop::Gone)
    }

    async fn on_inbound(&mut self, inbound: Result<Inbound, ReadError>) -> Result<(), Stop> {
        match inbound {
            Ok(Inbound::Close) => Err(Stop::Close(CloseCode::Normal)),
            Ok(Inbound::Text(text)) => {
                self.frames_received.increment(1);
                self.on_command(&text).await
            }
            Ok(Inbound::Binary) => {
                let error = ApiError::bad_request("frames must be JSON text, not binary");
                self.send(frames::error(None, error.fields())).await
            }
            // A client that pings without reading gets no pong past a full buffer (a pong
            // may answer only the latest ping), so that pings cannot hold this task waiting.
            Ok(Inbound::Ping(bytes)) => match self.socket.has_room() {
                Ok(true) => self.write(Write::Pong(bytes)).await,
                Ok(false) => Ok(()),
                Err(_) => Err(Stop::Gone),
            },
            Ok(Inbound::Pong) => Ok(()),
            Err(ReadError::TooBig) => Err(Stop::Close(CloseCode::TooBig)),
            Err(ReadError::Protocol(error)) => {
                tracing::debug!(%error, "WebSocket protocol error");
                Err(Stop::Close(CloseCode::Protocol))
            }
            Err(ReadError::Gone) => Err(Stop::Gone),
        }
    }

    async fn on_command(&mut self, text: &str) -> Result<(), Stop> {
        let Incoming { client_id, command } = match commands::parse_command(text) {
            Ok(incoming) => incoming,
            Err(rejected) => {
                let frame = frames::error(rejected.client_id.as_deref(), rejected.error.fields());
                return self.send(frame).await;
            }
        };
        let command = match command {
            Command::Send {
                conversation_id,
                content,
                client_id: message_client_id,
                reply_to_id: None,
                attachment_ids,
                thread_root_id: None,
            } => {
                let input = SendMessageInput {
                    conversation_id,
                    content,
                    client_id: Some(message_client_id),
                    reply_to_id: None,
                    attachment_ids,
                    thread_root_id: None,
                };
                let send_message = self.state.send_message.clone();
                let started = self
                    .pipeline
                    .start(
                        send_message,
                        self.actor,
                        input,
                        client_id.unwrap_or_default(),
                    )
                    .await;
                return match started {
                    Some(answered) => self.answer(answered).await,
                    None => Ok(()),
                };
            }
            // Anything else waits for the sends before it.
            command => {
                self.drain_pipeline().await?;
                command
            }
        };
        let client_id = client_id.as_deref();
        let answer = match command {
            Command::Ping => Ok(frames::pong(client_id)),
            Command::Sync { cursors } => return self.sync(client_id, cursors).await,
            Command::Typing {
                conversation_id,
                is_typing: true,
            } if self.typing.is_typing(conversation_id) => {
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
        let frame = answer.unwrap_or_else(|error| {
            let error = ApiError::from(error);
            tracing::info!(code = error.code(), client_id, "command failed");
            frames::error(client_id, error.fields())
        });
        self.send(frame).await
    }

    /// Answers a send that completed.
    async fn answer(&mut self, answered: Answered) -> Result<(), Stop> {
        let Answered {
            client_id,
            conversation_id,
            result,
        } = answered;
        let frame = match result {
            Ok(message) => {
                self.after_send(conversation_id);
                frames::ack(Some(&client_id), Some(message))
            }
            Err(error) => {
                let error = ApiError::from(error);
                tracing::info!(code = error.code(), %client_id, "message.send failed");
                frames::error(Some(&client_id), error.fields())
            }
        };
        self.send(frame).await
    }

    /// Answers every send in flight, as each completes.
    async fn drain_pipeline(&mut self) -> Result<(), Stop> {
        while !self.pipeline.is_empty() {
            let next = self.pipeline.next();
            if let Some(answered) = self.inbox.while_pending(next).await? {
                self.answer(answered).await?;
            }
        }
        Ok(())
    }

    /// A sent message ends the typing that led up to it.
    fn after_send(&mut self, conversation_id: ConversationId) {
        if self.typing.stopped(conversation_id) {
            self.relay_typing_stopped(conversation_id);
        }
    }

    /// Keeps the typing state in step with a command that succeeded.
    fn after(&mut self, command: &Command) {
        match *command {
            Command::Send {
                conversation_id, ..
            } => self.after_send(conversation_id),
            Command::Typing {
                conversation_id,
                is_typing,
            } => {
                if is_typing {
                    self.typing.started(conversation_id, Instant::now());
                } else {
                    self.typing.stopped(conversation_id);
                }
            }
            _ => {}
        }
    }

    /// A renewal pushes the deadline back; the others hear it again now and then.
    fn renew_typing(&mut self, conversation_id: ConversationId) {
        if self.typing.renewed(conversation_id, Instant::now()) {
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
        for conversation_id in self.typing.lapse(Instant::now()) {
            self.relay_typing_stopped(conversation_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::WebSocketTakeover;
    use super::*;

    /// The size of the future `start` returns, without making one.
    fn future_size<A, F: std::future::Future>(_start: impl FnOnce(A) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every socket holds its task for as long as it is open: what handling a command or a
    /// delivery needs is boxed while it runs, so that 10,000 idle sockets do not each hold
    /// the largest step's state (it was 7.5 KiB in one piece, and 20 KiB inside the HTTP
    /// dispatcher's task).
    #[test]
    fn an_idle_connection_task_stays_small() {
        let task = future_size(
            |(takeover, socket, read_ahead): (WebSocketTakeover, _, _)| {
                takeover.run(socket, read_ahead)
            },
        );
        assert!(task <= 3 * 1024, "the connection task is {task} bytes");
        let largest_step = future_size(|mut connection: Connection| async move {
            let _ = connection.on_inbound(Ok(Inbound::Pong)).await;
        });
        assert!(task < largest_step, "steps are boxed, not held inline");
    }
}
