//! The outbound stream of one connection, with no socket in it: live frames from the hub,
//! `sync`, and gap filling from the event log (only for real losses: events reach the hub
//! in seq order), with [`Delivered`] recording exactly which seqs went out so that none
//! goes out twice and none is taken for sent when it was not.
//!
//! The socket driver supplies the I/O through [`StreamIo`]: reading a page of a
//! conversation's log (as the user, so a refusal means they may not read it), and sending
//! a frame. Everything else (what to send, what to skip, when to fill a gap) is here.

use crate::delivered::Delivered;
use crate::envelope::{Effect, EventPosition};
use crate::frames;
use crate::hub::Outbound;
use bytestring::ByteString;
use foldhash::{HashMap, HashMapExt};
use palaver_domain::conversation::{ConversationEvent, ConversationId};
use palaver_domain::user::UserId;
use std::future::Future;
use uuid::Uuid;

/// Events read per page while filling a gap or syncing.
pub const EVENT_PAGE: u64 = 200;

/// One page of a conversation's event log, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogPage {
    pub events: Vec<ConversationEvent>,
    pub has_more: bool,
}

/// What the stream needs from the connection that owns the socket.
///
/// `Stop` ends the connection (the socket is gone, or the client is too slow); `Error` is
/// a failure to read the log, which the stream either reports (`sync`) or leaves for the
/// client's next `sync` (gap filling).
pub trait StreamIo {
    type Stop;
    type Error: std::fmt::Display;

    /// Up to `limit` events of the conversation after `after`, read as the user.
    fn read_events(
        &mut self,
        conversation: ConversationId,
        after: i64,
        limit: u64,
    ) -> impl Future<Output = Result<Result<LogPage, Self::Error>, Self::Stop>>;

    /// Whether a read failed because the user may not read the conversation (not a
    /// member, or it is gone), rather than because the log could not be read.
    fn is_refusal(error: &Self::Error) -> bool;

    /// Sends one frame on the socket.
    fn send(&mut self, text: ByteString) -> impl Future<Output = Result<(), Self::Stop>>;
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

/// What one connection has sent of each conversation.
#[derive(Debug, Default)]
pub struct ConnectionStream {
    user: Uuid,
    delivered: HashMap<Uuid, Delivered>,
}

impl ConnectionStream {
    pub fn new(user: UserId) -> Self {
        Self {
            user: user.as_uuid(),
            delivered: HashMap::new(),
        }
    }

    /// Sends every event after `after` from the log, leaving out those already sent, and
    /// returns the last seq read (`after` if none): one conversation of a `sync`. Live
    /// events that arrive meanwhile wait in the driver and are forwarded afterwards, so
    /// none is lost or doubled whichever comes first.
    pub async fn sync_one<I: StreamIo>(
        &mut self,
        io: &mut I,
        conversation_id: ConversationId,
        after: i64,
    ) -> Result<Result<i64, I::Error>, I::Stop> {
        self.send_events_after(io, conversation_id, after, None)
            .await
    }

    /// Forwards a frame from the hub. An event that is not the next one of its
    /// conversation on this connection first has the missing ones read from the log; one
    /// already sent is skipped.
    pub async fn forward<I: StreamIo>(
        &mut self,
        io: &mut I,
        frame: &Outbound,
    ) -> Result<(), I::Stop> {
        let Some(EventPosition {
            conversation_id,
            seq,
        }) = frame.position
        else {
            return self.send_with_effect(io, frame).await;
        };
        let last = self
            .delivered
            .get(&conversation_id)
            .and_then(Delivered::last);
        if let Some(last) = last
            && seq > last + 1
        {
            // Something committed before this event has not reached us: events leave
            // their writer in seq order, so only a real loss (a bus outage) gets here.
            let id = ConversationId::from_uuid(conversation_id);
            match self.fill_from_log(io, id, last, seq).await? {
                Filled::Yes => {}
                // The user may no longer read the conversation (removed by an event not
                // seen yet): neither this event nor the ones before are theirs.
                Filled::NotAllowed => {
                    self.delivered.remove(&conversation_id);
                    return Ok(());
                }
                // The gap stays for the client's sync, which sends what was not recorded.
                Filled::Failed => {}
            }
        }
        if !self
            .delivered
            .entry(conversation_id)
            .or_default()
            .insert(seq)
        {
            return Ok(());
        }
        self.send_with_effect(io, frame).await
    }

    /// Sends the conversation's events after `after` from the log, up to `until` if
    /// given, leaving out those already sent. Returns the last seq read.
    async fn send_events_after<I: StreamIo>(
        &mut self,
        io: &mut I,
        conversation_id: ConversationId,
        mut after: i64,
        until: Option<i64>,
    ) -> Result<Result<i64, I::Error>, I::Stop> {
        let key = conversation_id.as_uuid();
        loop {
            let page = match io.read_events(conversation_id, after, EVENT_PAGE).await? {
                Ok(page) => page,
                Err(error) => return Ok(Err(error)),
            };
            for event in page.events {
                if until.is_some_and(|until| event.seq >= until) {
                    // The live event that exposed the gap goes out as itself.
                    return Ok(Ok(after));
                }
                after = event.seq;
                if self.delivered.entry(key).or_default().insert(after) {
                    io.send(frames::event(event)).await?;
                }
            }
            if !page.has_more {
                return Ok(Ok(after));
            }
        }
    }

    async fn fill_from_log<I: StreamIo>(
        &mut self,
        io: &mut I,
        conversation_id: ConversationId,
        after: i64,
        until: i64,
    ) -> Result<Filled, I::Stop> {
        Ok(
            match self
                .send_events_after(io, conversation_id, after, Some(until))
                .await?
            {
                Ok(_) => Filled::Yes,
                Err(error) if I::is_refusal(&error) => Filled::NotAllowed,
                Err(error) => {
                    tracing::warn!(%error, %conversation_id, "filling a gap from the event log failed");
                    Filled::Failed
                }
            },
        )
    }

    async fn send_with_effect<I: StreamIo>(
        &mut self,
        io: &mut I,
        frame: &Outbound,
    ) -> Result<(), I::Stop> {
        io.send(frame.text.clone()).await?;
        match (frame.effect, frame.conversation_id) {
            (Effect::Left(user), Some(conversation)) if user == self.user => {
                self.delivered.remove(&conversation);
            }
            (Effect::ConversationGone, Some(conversation)) => {
                self.delivered.remove(&conversation);
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether `seq` of the conversation went out on this connection.
    #[cfg(test)]
    fn sent(&self, conversation: ConversationId, seq: i64) -> bool {
        self.delivered
            .get(&conversation.as_uuid())
            .is_some_and(|delivered| delivered.contains(seq))
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
