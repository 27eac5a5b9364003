//! Feeds each consumer the events after its cursor and moves the cursor.

use crate::consumer::EventConsumer;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationEvent, ConversationId};
use palaver_domain::ports::{ConversationRepository, EventCursors};
use std::sync::Arc;

/// Events read per batch.
const BATCH: u64 = 200;
/// Conversations found behind per scan and consumer.
const SCAN_LIMIT: u64 = 500;

#[derive(Clone)]
pub struct Dispatcher {
    cursors: Arc<dyn EventCursors>,
    log: Arc<dyn ConversationRepository>,
    consumers: Vec<Arc<dyn EventConsumer>>,
}

impl Dispatcher {
    pub fn new(
        cursors: Arc<dyn EventCursors>,
        log: Arc<dyn ConversationRepository>,
        consumers: Vec<Arc<dyn EventConsumer>>,
    ) -> Self {
        Self {
            cursors,
            log,
            consumers,
        }
    }

    /// Registers every consumer (see [`EventCursors::register`]).
    pub async fn register(&self) -> Result<(), RepositoryError> {
        for consumer in &self.consumers {
            self.cursors.register(consumer.name()).await?;
        }
        Ok(())
    }

    /// Brings every consumer up to the end of the conversation's log, as far as this node
    /// knows it: `recent` are events just committed here (in seq order), which a consumer
    /// whose cursor they follow on from is fed without reading the log back. Failures are
    /// logged and left for the next scan.
    pub async fn catch_up(&self, conversation: ConversationId, recent: &[ConversationEvent]) {
        for consumer in &self.consumers {
            if let Err(error) = self.feed(consumer.as_ref(), conversation, recent).await {
                tracing::warn!(%error, consumer = consumer.name(), %conversation,
                    "feeding committed events failed; retried at the next scan");
            }
        }
    }

    /// Finds the conversations some consumer is behind in and catches up with them.
    pub async fn scan(&self) {
        for consumer in &self.consumers {
            let behind = match self.cursors.behind(consumer.name(), SCAN_LIMIT).await {
                Ok(behind) => behind,
                Err(error) => {
                    tracing::warn!(%error, consumer = consumer.name(), "scanning for events failed");
                    continue;
                }
            };
            for conversation in behind {
                if let Err(error) = self.feed(consumer.as_ref(), conversation, &[]).await {
                    tracing::warn!(%error, consumer = consumer.name(), %conversation,
                        "feeding committed events failed; retried at the next scan");
                }
            }
        }
    }

    async fn feed(
        &self,
        consumer: &dyn EventConsumer,
        conversation: ConversationId,
        recent: &[ConversationEvent],
    ) -> Result<(), palaver_domain::error::BoxError> {
        let mut position = self.cursors.position(consumer.name(), conversation).await?;
        if let Some(last) = recent.last()
            && last.seq <= position
        {
            // Fed already (by an earlier round, a scan or another node).
            return Ok(());
        }
        if let Some(following) = following_on(recent, position) {
            for events in following.chunks(BATCH as usize) {
                match self
                    .hand_over(consumer, conversation, position, events)
                    .await?
                {
                    Some(moved) => position = moved,
                    None => return Ok(()),
                }
            }
            // Events committed here after these have wake-ups of their own (and a dropped
            // wake-up makes the next tick scan): the log is read only past a gap.
            if following.last().map(|event| event.seq) == recent.last().map(|event| event.seq) {
                return Ok(());
            }
        }
        loop {
            let events = match self.log.list_events(conversation, position, BATCH).await {
                Ok(events) => events,
                // Deleted meanwhile: nothing left to feed (its cursors went with it).
                Err(RepositoryError::NotFound) => return Ok(()),
                Err(error) => return Err(error.into()),
            };
            if events.is_empty() {
                return Ok(());
            }
            match self
                .hand_over(consumer, conversation, position, &events)
                .await?
            {
                Some(moved) => position = moved,
                None => return Ok(()),
            }
            if (events.len() as u64) < BATCH {
                return Ok(());
            }
        }
    }

    /// Feeds `events` (not empty) and moves the cursor from `position` past them: the new
    /// position, or `None` if another node moved the cursor meanwhile (it carries on from
    /// there) or the conversation is gone.
    async fn hand_over(
        &self,
        consumer: &dyn EventConsumer,
        conversation: ConversationId,
        position: i64,
        events: &[ConversationEvent],
    ) -> Result<Option<i64>, palaver_domain::error::BoxError> {
        let Some(last) = events.last().map(|event| event.seq) else {
            return Ok(Some(position));
        };
        consumer.consume(conversation, events).await?;
        match self
            .cursors
            .advance(consumer.name(), conversation, position, last)
            .await
        {
            Ok(true) => Ok(Some(last)),
            Ok(false) | Err(RepositoryError::NotFound) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}

/// The run of `recent` that follows on from `position` without a gap: its first event is
/// `position + 1`, and each next one the seq after. `None` if `recent` does not reach back
/// to `position + 1` (the events in between must be read from the log).
fn following_on(recent: &[ConversationEvent], position: i64) -> Option<&[ConversationEvent]> {
    let start = recent.iter().position(|event| event.seq == position + 1)?;
    let run = recent[start..]
        .windows(2)
        .take_while(|pair| pair[1].seq == pair[0].seq + 1)
        .count();
    Some(&recent[start..=start + run])
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use chrono::Utc;
    use palaver_domain::conversation::{ConversationEvent, EventPayload, MessageId};
    use palaver_domain::error::BoxError;
    use palaver_domain::ports::{MockConversationRepository, MockEventCursors};
    use std::sync::Mutex;

    struct Recorder {
        seen: Mutex<Vec<i64>>,
        fail: bool,
    }

    #[async_trait]
    impl EventConsumer for Recorder {
        fn name(&self) -> &str {
            "recorder"
        }

        async fn consume(
            &self,
            _conversation: ConversationId,
            events: &[ConversationEvent],
        ) -> Result<(), BoxError> {
            self.seen
                .lock()
                .unwrap()
                .extend(events.iter().map(|event| event.seq));
            if self.fail {
                return Err("receiver down".into());
            }
            Ok(())
        }
    }

    fn event(conversation: ConversationId, seq: i64) -> ConversationEvent {
        ConversationEvent {
            conversation_id: conversation,
            seq,
            created_at: Utc::now(),
            payload: EventPayload::MessageDeleted {
                message_id: MessageId::generate(),
            },
        }
    }

    fn dispatcher(
        conversation: ConversationId,
        cursor_at: i64,
        log_len: i64,
        advanced: bool,
        recorder: Arc<Recorder>,
    ) -> Dispatcher {
        let mut cursors = MockEventCursors::new();
        cursors
            .expect_position()
            .returning(move |_, _| Ok(cursor_at));
        let expect_advance = !recorder.fail;
        cursors
            .expect_advance()
            .times(usize::from(expect_advance))
            .withf(move |name, c, from, to| {
                name == "recorder" && *c == conversation && *from == cursor_at && *to == log_len
            })
            .returning(move |_, _, _, _| Ok(advanced));
        let mut log = MockConversationRepository::new();
        log.expect_list_events().returning(move |c, after, _| {
            Ok(((after + 1)..=log_len).map(|seq| event(c, seq)).collect())
        });
        Dispatcher::new(Arc::new(cursors), Arc::new(log), vec![recorder])
    }

    #[tokio::test]
    async fn feeds_the_events_after_the_cursor_in_order_and_moves_it() {
        let conversation = ConversationId::generate();
        let recorder = Arc::new(Recorder {
            seen: Mutex::new(vec![]),
            fail: false,
        });
        dispatcher(conversation, 2, 5, true, recorder.clone())
            .catch_up(conversation, &[])
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn a_failing_consumer_keeps_its_cursor() {
        let conversation = ConversationId::generate();
        let recorder = Arc::new(Recorder {
            seen: Mutex::new(vec![]),
            fail: true,
        });
        // `advance` is expected zero times: the mock fails the test if it is called.
        dispatcher(conversation, 0, 2, true, recorder.clone())
            .catch_up(conversation, &[])
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![1, 2]);
    }

    #[tokio::test]
    async fn stops_when_another_node_moved_the_cursor() {
        let conversation = ConversationId::generate();
        let recorder = Arc::new(Recorder {
            seen: Mutex::new(vec![]),
            fail: false,
        });
        dispatcher(conversation, 0, 3, false, recorder.clone())
            .catch_up(conversation, &[])
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![1, 2, 3]);
    }

    /// A dispatcher over a log of `log_len` events whose cursor starts at `cursor_at`,
    /// expecting the log to be read exactly `reads` times.
    fn dispatcher_reading(
        conversation: ConversationId,
        cursor_at: i64,
        log_len: i64,
        reads: usize,
        recorder: Arc<Recorder>,
    ) -> Dispatcher {
        let mut cursors = MockEventCursors::new();
        cursors
            .expect_position()
            .withf(move |_, c| *c == conversation)
            .returning(move |_, _| Ok(cursor_at));
        cursors
            .expect_advance()
            .withf(move |_, c, from, to| *c == conversation && from < to)
            .returning(|_, _, _, _| Ok(true));
        let mut log = MockConversationRepository::new();
        log.expect_list_events()
            .times(reads)
            .returning(move |c, after, limit| {
                let end = log_len.min(after + limit as i64);
                Ok(((after + 1)..=end).map(|seq| event(c, seq)).collect())
            });
        Dispatcher::new(Arc::new(cursors), Arc::new(log), vec![recorder])
    }

    fn recorder() -> Arc<Recorder> {
        Arc::new(Recorder {
            seen: Mutex::new(vec![]),
            fail: false,
        })
    }

    #[tokio::test]
    async fn events_just_committed_after_the_cursor_are_fed_without_reading_the_log() {
        let conversation = ConversationId::generate();
        let recorder = recorder();
        let recent: Vec<_> = (3..=5).map(|seq| event(conversation, seq)).collect();
        dispatcher_reading(conversation, 2, 5, 0, recorder.clone())
            .catch_up(conversation, &recent)
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn recent_events_the_cursor_already_passed_are_skipped_unread() {
        let conversation = ConversationId::generate();
        let recorder = recorder();
        let recent: Vec<_> = (1..=5).map(|seq| event(conversation, seq)).collect();
        // Older ones of the run are skipped; the run from the cursor on is fed.
        dispatcher_reading(conversation, 3, 5, 0, recorder.clone())
            .catch_up(conversation, &recent)
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![4, 5]);

        let recorder = self::recorder();
        dispatcher_reading(conversation, 5, 5, 0, recorder.clone())
            .catch_up(conversation, &recent[..3])
            .await;
        assert!(recorder.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_gap_before_the_recent_events_is_read_from_the_log() {
        let conversation = ConversationId::generate();
        let recorder = recorder();
        // Seqs 3 and 4 were committed elsewhere: the log has them (and 5 and 6).
        let recent: Vec<_> = (5..=6).map(|seq| event(conversation, seq)).collect();
        dispatcher_reading(conversation, 2, 6, 1, recorder.clone())
            .catch_up(conversation, &recent)
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![3, 4, 5, 6]);
    }

    #[tokio::test]
    async fn a_gap_inside_the_recent_events_is_read_from_the_log() {
        let conversation = ConversationId::generate();
        let recorder = recorder();
        let recent: Vec<_> = [3, 4, 7]
            .into_iter()
            .map(|seq| event(conversation, seq))
            .collect();
        dispatcher_reading(conversation, 2, 7, 1, recorder.clone())
            .catch_up(conversation, &recent)
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![3, 4, 5, 6, 7]);
    }

    #[tokio::test]
    async fn a_long_run_of_recent_events_is_fed_in_batches() {
        let conversation = ConversationId::generate();
        let recorder = recorder();
        let recent: Vec<_> = (1..=450).map(|seq| event(conversation, seq)).collect();
        dispatcher_reading(conversation, 0, 450, 0, recorder.clone())
            .catch_up(conversation, &recent)
            .await;
        assert_eq!(
            *recorder.seen.lock().unwrap(),
            (1..=450).collect::<Vec<_>>()
        );
    }
}
