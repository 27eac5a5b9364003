//! Feeds each consumer the events after its cursor and moves the cursor.

use crate::consumer::EventConsumer;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
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

    /// Brings every consumer up to the end of the conversation's log. Failures are logged
    /// and left for the next scan.
    pub async fn catch_up(&self, conversation: ConversationId) {
        for consumer in &self.consumers {
            if let Err(error) = self.feed(consumer.as_ref(), conversation).await {
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
                if let Err(error) = self.feed(consumer.as_ref(), conversation).await {
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
    ) -> Result<(), palaver_domain::error::BoxError> {
        let name = consumer.name();
        let mut position = self.cursors.position(name, conversation).await?;
        loop {
            let events = match self.log.list_events(conversation, position, BATCH).await {
                Ok(events) => events,
                // Deleted meanwhile: nothing left to feed (its cursors went with it).
                Err(RepositoryError::NotFound) => return Ok(()),
                Err(error) => return Err(error.into()),
            };
            let Some(last) = events.last().map(|event| event.seq) else {
                return Ok(());
            };
            consumer.consume(conversation, &events).await?;
            match self
                .cursors
                .advance(name, conversation, position, last)
                .await
            {
                Ok(true) => position = last,
                // Another node moved it: it carries on from there.
                Ok(false) | Err(RepositoryError::NotFound) => return Ok(()),
                Err(error) => return Err(error.into()),
            }
            if (events.len() as u64) < BATCH {
                return Ok(());
            }
        }
    }
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
            .catch_up(conversation)
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
            .catch_up(conversation)
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
            .catch_up(conversation)
            .await;
        assert_eq!(*recorder.seen.lock().unwrap(), vec![1, 2, 3]);
    }
}
