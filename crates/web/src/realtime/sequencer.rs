//! Puts each conversation's events back in seq order before the dispatcher fans them out.
//!
//! Events are published by whichever task committed them, once the commit returns; appends
//! that were committed together (group commit) come back at once, and their tasks, on
//! several threads, publish in whatever order they happen to run. A connection that sees
//! seq 7 before seq 6 reads the gap from the event log, one query per connection per gap,
//! which under load costs more than the fan-out itself. So the dispatcher holds an event
//! that arrives ahead of its turn for a moment, until the ones before it come; if they do
//! not come within [`HOLD`] (their publisher died, or they were never published), what is
//! held goes out anyway and connections fill the gap from the log as before.

use super::envelope::{Audience, Frame};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

/// How long an event ahead of its turn waits for the ones before it.
pub(crate) const HOLD: Duration = Duration::from_millis(20);
/// Conversations tracked at most; beyond that, those with nothing held are forgotten.
const TRACKED_LIMIT: usize = 50_000;

pub(crate) type Delivery = (Audience, Arc<Frame>);

#[derive(Default)]
pub(crate) struct Sequencer {
    conversations: HashMap<Uuid, Track>,
    /// Conversations with events held.
    holding: usize,
}

struct Track {
    /// The seq expected next; `i64::MIN` while the first events seen are held, their
    /// predecessors unknown.
    next: i64,
    held: BTreeMap<i64, Delivery>,
    /// When the oldest held event arrived.
    since: Option<Instant>,
}

impl Sequencer {
    /// Takes a delivery in; returns those that may go out now, in order.
    pub fn admit(&mut self, audience: Audience, frame: Arc<Frame>, now: Instant) -> Vec<Delivery> {
        let Some(position) = frame.position else {
            return vec![(audience, frame)];
        };
        if self.conversations.len() >= TRACKED_LIMIT {
            self.conversations.retain(|_, track| !track.held.is_empty());
        }
        let seq = position.seq;
        let Some(track) = self.conversations.get_mut(&position.conversation_id) else {
            // The first event of a conversation this node has seen: unless it is the very
            // first, the ones before it may still be on their way, so it waits for them
            // as an event ahead of its turn would.
            let mut track = Track {
                next: seq + 1,
                held: BTreeMap::new(),
                since: None,
            };
            let ready = if seq <= 1 {
                vec![(audience, frame)]
            } else {
                track.next = i64::MIN;
                track.held.insert(seq, (audience, frame));
                track.since = Some(now);
                self.holding += 1;
                Vec::new()
            };
            self.conversations.insert(position.conversation_id, track);
            return ready;
        };
        if track.next == i64::MIN {
            // Still waiting out the first events: they go out in order when the wait ends.
            track.held.insert(seq, (audience, frame));
            return Vec::new();
        }
        if seq < track.next {
            // Late, or a repeat: connections sort that out with their cursors.
            return vec![(audience, frame)];
        }
        if seq > track.next {
            if track.since.is_none() {
                track.since = Some(now);
                self.holding += 1;
            }
            track.held.insert(seq, (audience, frame));
            return Vec::new();
        }
        let mut ready = vec![(audience, frame)];
        track.next += 1;
        while let Some(delivery) = track.held.remove(&track.next) {
            ready.push(delivery);
            track.next += 1;
        }
        if track.held.is_empty() && track.since.take().is_some() {
            self.holding -= 1;
        }
        ready
    }

    /// When the oldest held event must go out, if any is held.
    pub fn deadline(&self) -> Option<Instant> {
        if self.holding == 0 {
            return None;
        }
        self.conversations
            .values()
            .filter_map(|track| track.since)
            .min()
            .map(|since| since + HOLD)
    }

    /// Lets out, in order, what has been held for [`HOLD`] or longer.
    pub fn expire(&mut self, now: Instant) -> Vec<Delivery> {
        let mut ready = Vec::new();
        for track in self.conversations.values_mut() {
            if track.since.is_some_and(|since| since + HOLD <= now) {
                let held = std::mem::take(&mut track.held);
                if let Some(&last) = held.keys().next_back() {
                    track.next = last + 1;
                }
                ready.extend(held.into_values());
                track.since = None;
                self.holding -= 1;
            }
        }
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::envelope::{Effect, EventPosition};
    use bytestring::ByteString;

    fn event(conversation: Uuid, seq: i64) -> (Audience, Arc<Frame>) {
        let frame = Frame {
            text: ByteString::from(format!("{seq}")),
            position: Some(EventPosition {
                conversation_id: conversation,
                seq,
            }),
            effect: Effect::None,
            conversation_id: Some(conversation),
        };
        (Audience::Users(Vec::new()), Arc::new(frame))
    }

    fn seqs(deliveries: &[Delivery]) -> Vec<String> {
        deliveries.iter().map(|(_, f)| f.text.to_string()).collect()
    }

    #[test]
    fn events_ahead_of_their_turn_wait_for_the_ones_before() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut sequencer = Sequencer::default();
        let t = Instant::now();
        let mut admit = |conversation, seq| {
            let (audience, frame) = event(conversation, seq);
            seqs(&sequencer.admit(audience, frame, t))
        };
        assert_eq!(admit(a, 1), ["1"]);
        assert_eq!(admit(a, 3), Vec::<String>::new());
        assert_eq!(admit(b, 1), ["1"]);
        assert_eq!(admit(a, 4), Vec::<String>::new());
        assert_eq!(admit(a, 2), ["2", "3", "4"]);
        assert_eq!(admit(a, 1), ["1"]);
        assert_eq!(sequencer.deadline(), None);
        let plain = Arc::new(Frame::plain(ByteString::from("typing")));
        let out = sequencer.admit(Audience::Users(Vec::new()), plain, t);
        assert_eq!(seqs(&out), ["typing"]);
    }

    #[test]
    fn the_first_events_seen_of_a_conversation_wait_for_earlier_ones() {
        let a = Uuid::now_v7();
        let mut sequencer = Sequencer::default();
        let t = Instant::now();
        for seq in [6, 5, 7] {
            let (audience, frame) = event(a, seq);
            assert!(sequencer.admit(audience, frame, t).is_empty());
        }
        assert_eq!(sequencer.deadline(), Some(t + HOLD));
        assert_eq!(seqs(&sequencer.expire(t + HOLD)), ["5", "6", "7"]);
        let (audience, frame) = event(a, 8);
        assert_eq!(seqs(&sequencer.admit(audience, frame, t)), ["8"]);
    }

    #[test]
    fn what_waits_too_long_goes_out_in_order() {
        let a = Uuid::now_v7();
        let mut sequencer = Sequencer::default();
        let t = Instant::now();
        for seq in [1, 4, 3] {
            let (audience, frame) = event(a, seq);
            sequencer.admit(audience, frame, t);
        }
        assert_eq!(sequencer.deadline(), Some(t + HOLD));
        assert!(sequencer.expire(t + HOLD / 2).is_empty());
        assert_eq!(seqs(&sequencer.expire(t + HOLD)), ["3", "4"]);
        assert_eq!(sequencer.deadline(), None);
        let (audience, frame) = event(a, 5);
        assert_eq!(seqs(&sequencer.admit(audience, frame, t)), ["5"]);
    }
}
