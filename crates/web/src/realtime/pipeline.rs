//! Sends in flight on one connection: a client may send many `message.send` commands back
//! to back, each answered by its own `ack` or `error` as it completes.
//!
//! Order per conversation holds because a send reaches the message writer's queue on its
//! first poll (the use-case does no I/O before the append, and the queue's wait is first
//! come, first served), and each send is polled once the moment it is read, in the order
//! the client sent them. A send with a reply reads the replied message first, so it, like
//! every other command, waits until the sends before it are answered.

use futures_util::stream::{FuturesUnordered, StreamExt};
use palaver_application::ApplicationError;
use palaver_application::messages::{SendMessage, SendMessageInput};
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{ConversationId, Message};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

/// The most sends one connection has in flight; beyond that it stops reading its socket.
pub(crate) const MAX_IN_FLIGHT: usize = 64;

/// A send that completed: whom to answer and how.
pub(crate) struct Answered {
    pub client_id: String,
    pub conversation_id: ConversationId,
    pub result: Result<Message, ApplicationError>,
}

type Running = Pin<Box<dyn Future<Output = Answered> + Send>>;

#[derive(Default)]
pub(crate) struct Pipeline {
    running: FuturesUnordered<Running>,
}

impl Pipeline {
    /// Whether another send may start.
    pub fn has_room(&self) -> bool {
        self.running.len() < MAX_IN_FLIGHT
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts a send and polls it once, now, so that it joins the writer's queue before any
    /// send read after it. Returns its answer if it is already complete.
    pub async fn start(
        &mut self,
        send_message: Arc<SendMessage>,
        actor: Actor,
        input: SendMessageInput,
        client_id: String,
    ) -> Option<Answered> {
        let conversation_id = input.conversation_id;
        // Unconstrained: tokio's cooperative budget must not make the first poll return
        // early, or a later send could reach the queue first.
        let mut running: Running = Box::pin(tokio::task::unconstrained(async move {
            let result = send_message
                .execute(&actor, input)
                .await
                .map(|sent| sent.message);
            Answered {
                client_id,
                conversation_id,
                result,
            }
        }));
        let first = std::future::poll_fn(|cx| Poll::Ready(running.as_mut().poll(cx))).await;
        match first {
            Poll::Ready(answered) => Some(answered),
            Poll::Pending => {
                self.running.push(running);
                None
            }
        }
    }

    /// The next send to complete; pending forever while none is in flight (for `select!`,
    /// guarded by [`Self::is_empty`]).
    pub async fn next(&mut self) -> Option<Answered> {
        self.running.next().await
    }
}
