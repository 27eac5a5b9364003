//! The stream state against an in-memory event log and a recording socket.

use super::*;
use crate::envelope::Envelope;
use chrono::Utc;
use palaver_domain::conversation::{EventPayload, MessageId, Notification};
use std::collections::HashSet;

/// A log read failure: a refusal (not a member) or the database being away.
#[derive(Debug)]
enum ReadError {
    Refused,
    Down,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

/// The event log of some conversations and the frames sent, in order.
#[derive(Default)]
struct FakeIo {
    log: HashMap<ConversationId, Vec<ConversationEvent>>,
    refused: HashSet<ConversationId>,
    down: bool,
    reads: usize,
    sent: Vec<serde_json::Value>,
}

impl StreamIo for FakeIo {
    type Stop = ();
    type Error = ReadError;

    async fn read_events(
        &mut self,
        conversation: ConversationId,
        after: i64,
        limit: u64,
    ) -> Result<Result<LogPage, ReadError>, ()> {
        self.reads += 1;
        if self.down {
            return Ok(Err(ReadError::Down));
        }
        if self.refused.contains(&conversation) {
            return Ok(Err(ReadError::Refused));
        }
        let newer: Vec<ConversationEvent> = self
            .log
            .get(&conversation)
            .into_iter()
            .flatten()
            .filter(|event| event.seq > after)
            .cloned()
            .collect();
        let limit = usize::try_from(limit).unwrap();
        Ok(Ok(LogPage {
            has_more: newer.len() > limit,
            events: newer.into_iter().take(limit).collect(),
        }))
    }

    fn is_refusal(error: &ReadError) -> bool {
        matches!(error, ReadError::Refused)
    }

    async fn send(&mut self, text: ByteString) -> Result<(), ()> {
        self.sent.push(serde_json::from_str(&text).unwrap());
        Ok(())
    }
}

impl FakeIo {
    /// A log holding seqs 1..=last of `conversation`.
    fn with_log(conversation: ConversationId, last: i64) -> Self {
        let mut io = Self::default();
        io.log.insert(
            conversation,
            (1..=last).map(|seq| event(conversation, seq)).collect(),
        );
        io
    }

    /// The seqs of the event frames sent, in order.
    fn seqs(&self) -> Vec<i64> {
        self.sent
            .iter()
            .filter_map(|frame| frame["seq"].as_i64())
            .collect()
    }
}

fn event(conversation_id: ConversationId, seq: i64) -> ConversationEvent {
    ConversationEvent {
        conversation_id,
        seq,
        created_at: Utc::now(),
        payload: EventPayload::MessageDeleted {
            message_id: MessageId::generate(),
        },
    }
}

/// The frame the hub offers for an event.
fn live(event: ConversationEvent) -> Outbound {
    match Envelope::from_notification(Notification::Event(event)) {
        Envelope::Deliver { frame, .. } => frame,
        other => panic!("not a frame: {other:?}"),
    }
}

fn user() -> UserId {
    UserId::from_uuid(Uuid::now_v7())
}

#[tokio::test]
async fn sync_from_zero_after_a_live_event_sends_every_earlier_seq_once() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 4);
    let mut stream = ConnectionStream::new(user());
    // Seq 4 arrives live first: nothing was sent before, so there is no gap to fill.
    stream
        .forward(&mut io, &live(event(conversation, 4)))
        .await
        .unwrap();
    assert_eq!(io.reads, 0);
    let reached = stream.sync_one(&mut io, conversation, 0).await.unwrap();
    assert_eq!(reached.unwrap(), 4);
    assert_eq!(io.seqs(), [4, 1, 2, 3]);
    // A second sync, or the live event again, sends nothing more.
    stream
        .sync_one(&mut io, conversation, 0)
        .await
        .unwrap()
        .unwrap();
    stream
        .forward(&mut io, &live(event(conversation, 4)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), [4, 1, 2, 3]);
}

#[tokio::test]
async fn sync_from_one_after_a_live_event_sends_what_lies_between() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 4);
    let mut stream = ConnectionStream::new(user());
    stream
        .forward(&mut io, &live(event(conversation, 4)))
        .await
        .unwrap();
    let reached = stream.sync_one(&mut io, conversation, 1).await.unwrap();
    assert_eq!(reached.unwrap(), 4);
    assert_eq!(io.seqs(), [4, 2, 3]);
    assert!(
        !stream.sent(conversation, 1),
        "below the cursor: the client has it"
    );
}

#[tokio::test]
async fn a_sync_then_the_live_events_it_raced_sends_each_once() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 5);
    let mut stream = ConnectionStream::new(user());
    // The sync read the log up to 5; seqs 4 and 5 were also queued live meanwhile.
    stream
        .sync_one(&mut io, conversation, 2)
        .await
        .unwrap()
        .unwrap();
    for seq in [4, 5] {
        stream
            .forward(&mut io, &live(event(conversation, seq)))
            .await
            .unwrap();
    }
    assert_eq!(io.seqs(), [3, 4, 5]);
}

#[tokio::test]
async fn events_in_order_are_sent_without_reading_the_log() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 3);
    let mut stream = ConnectionStream::new(user());
    for seq in 1..=3 {
        stream
            .forward(&mut io, &live(event(conversation, seq)))
            .await
            .unwrap();
    }
    assert_eq!(io.seqs(), [1, 2, 3]);
    assert_eq!(io.reads, 0, "no gap, no read");
}

#[tokio::test]
async fn a_lost_event_is_filled_from_the_log_before_the_next_one() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 6);
    let mut stream = ConnectionStream::new(user());
    stream
        .forward(&mut io, &live(event(conversation, 2)))
        .await
        .unwrap();
    // 3, 4 and 5 were lost on the way (a bus outage).
    stream
        .forward(&mut io, &live(event(conversation, 6)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), [2, 3, 4, 5, 6]);
    assert_eq!(io.reads, 1);
    // Late copies of the filled events are not sent again.
    stream
        .forward(&mut io, &live(event(conversation, 4)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), [2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn a_long_gap_is_filled_page_by_page() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let last = i64::try_from(EVENT_PAGE).unwrap() * 2 + 10;
    let mut io = FakeIo::with_log(conversation, last);
    let mut stream = ConnectionStream::new(user());
    stream
        .forward(&mut io, &live(event(conversation, 1)))
        .await
        .unwrap();
    stream
        .forward(&mut io, &live(event(conversation, last)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), (1..=last).collect::<Vec<_>>());
    assert_eq!(io.reads, 3);
}

#[tokio::test]
async fn a_gap_the_log_cannot_fill_is_left_for_the_next_sync() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 4);
    let mut stream = ConnectionStream::new(user());
    stream
        .forward(&mut io, &live(event(conversation, 1)))
        .await
        .unwrap();
    io.down = true;
    stream
        .forward(&mut io, &live(event(conversation, 4)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), [1, 4]);
    assert!(!stream.sent(conversation, 2) && !stream.sent(conversation, 3));
    io.down = false;
    stream
        .sync_one(&mut io, conversation, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(io.seqs(), [1, 4, 2, 3]);
}

#[tokio::test]
async fn a_gap_the_user_may_not_read_drops_the_event() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 4);
    let mut stream = ConnectionStream::new(user());
    stream
        .forward(&mut io, &live(event(conversation, 1)))
        .await
        .unwrap();
    io.refused.insert(conversation);
    stream
        .forward(&mut io, &live(event(conversation, 4)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), [1]);
    assert!(
        !stream.sent(conversation, 1),
        "the conversation is forgotten"
    );
}

#[tokio::test]
async fn a_refused_sync_is_reported_and_sends_nothing() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::with_log(conversation, 2);
    io.refused.insert(conversation);
    let mut stream = ConnectionStream::new(user());
    let reached = stream.sync_one(&mut io, conversation, 0).await.unwrap();
    assert!(matches!(reached, Err(ReadError::Refused)));
    assert!(io.sent.is_empty());
}

#[tokio::test]
async fn leaving_forgets_the_conversation_so_a_return_starts_afresh() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let me = user();
    let mut io = FakeIo::with_log(conversation, 1);
    let mut stream = ConnectionStream::new(me);
    stream
        .forward(&mut io, &live(event(conversation, 1)))
        .await
        .unwrap();
    let left = ConversationEvent {
        conversation_id: conversation,
        seq: 2,
        created_at: Utc::now(),
        payload: EventPayload::MemberLeft { user_id: me },
    };
    stream.forward(&mut io, &live(left)).await.unwrap();
    assert!(!stream.sent(conversation, 1) && !stream.sent(conversation, 2));
    // Back in later at seq 9: no gap from 2 to 9 to fill, since what lay between was not
    // theirs.
    stream
        .forward(&mut io, &live(event(conversation, 9)))
        .await
        .unwrap();
    assert_eq!(io.seqs(), [1, 2, 9]);
    assert_eq!(io.reads, 0);
}

#[tokio::test]
async fn frames_without_a_position_go_straight_out() {
    let conversation = ConversationId::from_uuid(Uuid::now_v7());
    let mut io = FakeIo::default();
    let mut stream = ConnectionStream::new(user());
    let typing = Envelope::from_notification(Notification::Typing {
        conversation_id: conversation,
        user_id: user(),
        is_typing: true,
    });
    let Envelope::Deliver { frame, .. } = typing else {
        panic!("not a frame")
    };
    stream.forward(&mut io, &frame).await.unwrap();
    stream.forward(&mut io, &frame).await.unwrap();
    assert_eq!(io.sent.len(), 2);
    assert_eq!(io.sent[0]["type"], "typing");
}
