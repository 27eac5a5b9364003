//! One ordered path for every logged event: whoever assigns a conversation's seqs
//! announces the events, in seq order.
//!
//! A change that logs events (a message, an edit, a delete, a member joining, leaving or
//! changing role, a rename) takes its conversation's *turn* before its transaction begins,
//! and holds it through the commit and the announcement. Seqs are assigned under the
//! conversation's row lock, so within this process two changes to one conversation commit
//! and announce in the order of their seqs: the hub never sees seq 6 before seq 5. Turns are
//! striped by conversation (a change waits only for changes to conversations on its
//! stripe); the group-commit writer takes the turns of every conversation in its batch, in
//! stripe order, so nobody can wait in a cycle. A turn is always taken before a database
//! connection, never while holding one.
//!
//! Across nodes (PostgreSQL or MariaDB behind several servers) each node announces its own
//! commits in order; an event of another node can still arrive between two of this node's,
//! which the per-connection gap filling repairs.

use palaver_domain::conversation::{ConversationEvent, ConversationId, Notification};
use palaver_domain::ports::Notifier;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

/// Stripes of turns: more than a node's concurrent event-logging changes usually span.
const STRIPES: usize = 64;

/// Hands committed events to the real-time side in seq order per conversation. Shared by
/// every repository that logs events (clone the `Arc`).
pub struct EventAnnouncer {
    notifier: Option<Arc<dyn Notifier>>,
    stripes: Box<[Mutex<()>]>,
    hasher: RandomState,
}

/// The turns a change holds: while held, no other change to the same conversations
/// commits or announces on this node.
#[must_use = "a turn orders nothing once dropped"]
pub(crate) struct Turns<'a> {
    announcer: &'a EventAnnouncer,
    _held: Vec<MutexGuard<'a, ()>>,
}

impl EventAnnouncer {
    /// Announces to `notifier`.
    pub fn new(notifier: Arc<dyn Notifier>) -> Arc<Self> {
        Arc::new(Self::with(Some(notifier)))
    }

    /// Announces to no one (tools, tests of the store alone).
    pub fn silent() -> Arc<Self> {
        Arc::new(Self::with(None))
    }

    fn with(notifier: Option<Arc<dyn Notifier>>) -> Self {
        Self {
            notifier,
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            hasher: RandomState::new(),
        }
    }

    fn stripe(&self, conversation: ConversationId) -> usize {
        (self.hasher.hash_one(conversation.as_uuid()) as usize) % self.stripes.len()
    }

    /// Waits for the turn of one conversation.
    pub(crate) async fn turn(&self, conversation: ConversationId) -> Turns<'_> {
        self.turns([conversation]).await
    }

    /// Waits for the turns of several conversations, taken in stripe order.
    pub(crate) async fn turns(
        &self,
        conversations: impl IntoIterator<Item = ConversationId>,
    ) -> Turns<'_> {
        let mut stripes: Vec<usize> = conversations
            .into_iter()
            .map(|conversation| self.stripe(conversation))
            .collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut held = Vec::with_capacity(stripes.len());
        for stripe in stripes {
            held.push(self.stripes[stripe].lock().await);
        }
        Turns {
            announcer: self,
            _held: held,
        }
    }
}

impl Turns<'_> {
    /// Announces committed events, in the order given (seq order per conversation), then
    /// lets the next change of these conversations go on.
    pub(crate) fn announce<'e>(self, events: impl IntoIterator<Item = &'e ConversationEvent>) {
        if let Some(notifier) = &self.announcer.notifier {
            for event in events {
                notifier.notify(Notification::Event(event.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use palaver_domain::conversation::{EventPayload, MessageId};
    use std::sync::Mutex as StdMutex;
    use std::time::Duration;
    use uuid::Uuid;

    struct Recorder(StdMutex<Vec<i64>>);

    impl Notifier for Recorder {
        fn notify(&self, notification: Notification) {
            if let Notification::Event(event) = notification {
                self.0.lock().unwrap().push(event.seq);
            }
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

    #[tokio::test]
    async fn a_later_change_announces_only_after_the_earlier_one() {
        let recorder = Arc::new(Recorder(StdMutex::new(Vec::new())));
        let announcer = EventAnnouncer::new(recorder.clone());
        let conversation = ConversationId::from_uuid(Uuid::now_v7());
        let first = announcer.turn(conversation).await;
        // The second change (seq 6) is ready at once but must wait for the first (seq 5),
        // whose commit is slow.
        let second = {
            let announcer = announcer.clone();
            tokio::spawn(async move {
                let turn = announcer.turn(conversation).await;
                turn.announce(&[event(conversation, 6)]);
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(recorder.0.lock().unwrap().is_empty(), "6 went ahead of 5");
        first.announce(&[event(conversation, 5)]);
        second.await.unwrap();
        assert_eq!(*recorder.0.lock().unwrap(), [5, 6]);
    }

    #[tokio::test]
    async fn turns_over_many_conversations_do_not_deadlock_with_single_ones() {
        let announcer = EventAnnouncer::silent();
        let conversations: Vec<ConversationId> = (0..200)
            .map(|_| ConversationId::from_uuid(Uuid::now_v7()))
            .collect();
        let mut tasks = Vec::new();
        for round in 0..50 {
            let announcer = announcer.clone();
            let conversations = conversations.clone();
            tasks.push(tokio::spawn(async move {
                if round % 2 == 0 {
                    let turns = announcer.turns(conversations.iter().rev().copied()).await;
                    tokio::task::yield_now().await;
                    turns.announce(&[]);
                } else {
                    let turn = announcer.turn(conversations[round]).await;
                    tokio::task::yield_now().await;
                    turn.announce(&[]);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    }
}
