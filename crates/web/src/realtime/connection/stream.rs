//! The outbound stream of one connection: live frames from the hub, `sync`, and gap
//! filling from the event log (only for real losses: events reach the hub in seq order),
//! with [`Delivered`] recording exactly which seqs went out so that none goes out twice.

use super::{Connection, EVENT_PAGE, FORWARD_BATCH, Filled, Stop};
use crate::error::ApiError;
use palaver_application::ApplicationError;
use palaver_domain::conversation::ConversationId;
use palaver_realtime::{Delivered, Delivery, Effect, EventPosition, Outbound, frames};
use std::collections::HashMap;

impl Connection {
    /// Sends every event after each cursor, in order, then `synced`. Live events queued
    /// meanwhile are forwarded afterwards; none is sent twice on this connection.
    pub(super) async fn sync(
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
                    self.send(frames::error(client_id, error.fields())).await?;
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
                if !self.delivered.entry(key).or_default().insert(after) {
                    continue;
                }
                self.send(frames::event(event)).await?;
            }
            if !page.has_more || until.is_some_and(|until| after >= until) {
                return Ok(Ok(after));
            }
        }
    }

    /// Forwards a delivery from the hub and whatever else is already waiting behind it.
    pub(super) async fn forward_batch(&mut self, first: Delivery) -> Result<(), Stop> {
        let mut forwarded = first.len();
        for frame in first {
            self.forward(frame).await?;
        }
        while forwarded < FORWARD_BATCH {
            let Some(delivery) = self.inbox.try_next() else {
                break;
            };
            forwarded += delivery.len();
            for frame in delivery {
                self.forward(frame).await?;
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
        let last = self
            .delivered
            .get(&conversation_id)
            .and_then(Delivered::last);
        if let Some(last) = last
            && seq > last + 1
        {
            // Something committed before this event has not reached us: events leave the
            // writer in seq order, so only a real loss (a bus outage) gets here. Read what
            // is missing from the log first.
            match self.fill_from_log(id, last, seq).await? {
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
        self.send_with_effect(&frame).await
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
