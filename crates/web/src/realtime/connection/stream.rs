//! The connection's side of its outbound stream: the socket and the event log as the
//! [`StreamIo`] of `palaver_realtime`'s [`ConnectionStream`], which decides what goes out
//! (live frames, `sync`, gap filling) and keeps every seq to exactly once.

use super::{Connection, FORWARD_BATCH, Stop};
use crate::error::ApiError;
use bytestring::ByteString;
use palaver_application::ApplicationError;
use palaver_domain::conversation::ConversationId;
use palaver_realtime::{ConnectionStream, Delivery, LogPage, StreamIo, frames};
use std::collections::HashMap;

impl StreamIo for Connection {
    type Stop = Stop;
    type Error = ApplicationError;

    async fn read_events(
        &mut self,
        conversation: ConversationId,
        after: i64,
        limit: u64,
    ) -> Result<Result<LogPage, ApplicationError>, Stop> {
        let read = self
            .state
            .list_events
            .execute(&self.actor, conversation, after, Some(limit));
        // What the hub offers meanwhile waits in the backlog.
        Ok(self.inbox.while_pending(read).await?.map(|page| LogPage {
            events: page.events,
            has_more: page.has_more,
        }))
    }

    fn is_refusal(error: &ApplicationError) -> bool {
        matches!(
            error,
            ApplicationError::NotFound(_) | ApplicationError::Forbidden(_)
        )
    }

    async fn send(&mut self, text: ByteString) -> Result<(), Stop> {
        Connection::send(self, text).await
    }
}

impl Connection {
    /// Runs `step` on the stream state with this connection as its I/O.
    async fn with_stream<T>(
        &mut self,
        step: impl AsyncFnOnce(&mut ConnectionStream, &mut Self) -> T,
    ) -> T {
        let mut stream = std::mem::take(&mut self.stream);
        let result = step(&mut stream, self).await;
        self.stream = stream;
        result
    }

    /// Sends every event after each cursor, in order, then `synced`. Live events queued
    /// meanwhile are forwarded afterwards; none is sent twice on this connection.
    pub(super) async fn sync(
        &mut self,
        client_id: Option<&str>,
        cursors: Vec<(ConversationId, i64)>,
    ) -> Result<(), Stop> {
        let mut reached = HashMap::new();
        for (conversation_id, after) in cursors {
            let synced = self
                .with_stream(async |stream, io| stream.sync_one(io, conversation_id, after).await)
                .await?;
            match synced {
                Ok(last) => {
                    reached.insert(conversation_id, last);
                }
                Err(error) => {
                    let key = conversation_id.as_uuid().to_string();
                    let error = ApiError::from(error).with_detail("conversation_id", key.into());
                    self.send(frames::error(client_id, error.fields())).await?;
                }
            }
        }
        self.send(frames::synced(client_id, &reached)).await
    }

    /// Forwards a delivery from the hub and whatever else is already waiting behind it.
    pub(super) async fn forward_batch(&mut self, first: Delivery) -> Result<(), Stop> {
        self.with_stream(async |stream, io| {
            let mut forwarded = first.len();
            for frame in &first {
                stream.forward(io, frame).await?;
            }
            while forwarded < FORWARD_BATCH {
                let Some(delivery) = io.inbox.try_next() else {
                    break;
                };
                forwarded += delivery.len();
                for frame in &delivery {
                    stream.forward(io, frame).await?;
                }
            }
            Ok(())
        })
        .await
    }
}
