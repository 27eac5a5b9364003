//! The tap on the committed events: forwards to the hub, wakes the pipeline with the
//! events themselves, so that it seldom has to read back what was just written.

use super::Notifier;
use palaver_domain::conversation::{ConversationEvent, Notification};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// How many wake-ups may wait; past that they are dropped and a scan makes up for them.
/// Under sustained traffic the pipeline takes them once per poll interval (1 s by
/// default), so this holds about a second of a busy node's committed events.
pub const WAKEUP_QUEUE: usize = 16_384;

/// Wraps the notifier the writers announce to. Never blocks.
pub struct NotificationTap {
    inner: Arc<dyn Notifier>,
    wake: mpsc::Sender<ConversationEvent>,
    dropped: Arc<AtomicBool>,
}

/// The pipeline's end of the tap.
pub struct Wakeups {
    pub(crate) receiver: mpsc::Receiver<ConversationEvent>,
    pub(crate) dropped: Arc<AtomicBool>,
}

impl NotificationTap {
    /// A tap in front of `inner`, and the wake-ups it sends.
    pub fn new(inner: Arc<dyn Notifier>) -> (Self, Wakeups) {
        let (wake, receiver) = mpsc::channel(WAKEUP_QUEUE);
        let dropped = Arc::new(AtomicBool::new(false));
        (
            Self {
                inner,
                wake,
                dropped: dropped.clone(),
            },
            Wakeups { receiver, dropped },
        )
    }
}

impl Notifier for NotificationTap {
    fn notify(&self, notification: Notification) {
        let woken = match &notification {
            Notification::Event(event) => Some(event.clone()),
            _ => None,
        };
        self.inner.notify(notification);
        if let Some(event) = woken
            && self.wake.try_send(event).is_err()
        {
            // Full (or the pipeline is gone): the next scan finds the conversation.
            self.dropped.store(true, Ordering::Relaxed);
        }
    }
}

impl Wakeups {
    /// Whether a wake-up was dropped since the last call.
    pub(crate) fn take_dropped(&self) -> bool {
        self.dropped.swap(false, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::conversation::ConversationId;
    use palaver_domain::ports::MockNotifier;

    #[test]
    fn forwards_everything_and_wakes_for_logged_events_only() {
        let mut inner = MockNotifier::new();
        inner.expect_notify().times(2).return_const(());
        let (tap, mut wakeups) = NotificationTap::new(Arc::new(inner));
        let conversation = ConversationId::generate();
        tap.notify(Notification::Typing {
            conversation_id: conversation,
            user_id: palaver_domain::user::UserId::generate(),
            is_typing: true,
        });
        tap.notify(Notification::Event(
            palaver_domain::conversation::ConversationEvent {
                conversation_id: conversation,
                seq: 1,
                created_at: chrono::Utc::now(),
                payload: palaver_domain::conversation::EventPayload::MessageDeleted {
                    message_id: palaver_domain::conversation::MessageId::generate(),
                },
            },
        ));
        let woken = wakeups.receiver.try_recv().expect("a wake-up");
        assert_eq!((woken.conversation_id, woken.seq), (conversation, 1));
        assert!(wakeups.receiver.try_recv().is_err());
        assert!(!wakeups.take_dropped());
    }

    #[test]
    fn a_full_queue_never_blocks_and_is_remembered() {
        let mut inner = MockNotifier::new();
        inner.expect_notify().return_const(());
        let (tap, wakeups) = NotificationTap::new(Arc::new(inner));
        let event = |seq| {
            Notification::Event(palaver_domain::conversation::ConversationEvent {
                conversation_id: ConversationId::generate(),
                seq,
                created_at: chrono::Utc::now(),
                payload: palaver_domain::conversation::EventPayload::MessageDeleted {
                    message_id: palaver_domain::conversation::MessageId::generate(),
                },
            })
        };
        for seq in 0..=(WAKEUP_QUEUE as i64) {
            tap.notify(event(seq));
        }
        assert!(wakeups.take_dropped());
        assert!(!wakeups.take_dropped());
    }
}
