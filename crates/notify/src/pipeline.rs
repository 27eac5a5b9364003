//! Starts the pipeline's tasks: one feeds the consumers, one sends what fell due.

use crate::consumer::EventConsumer;
use crate::delivery::Delivery;
use crate::dispatcher::Dispatcher;
use crate::enqueue::Enqueuer;
use crate::push::WebPushClient;
use crate::tap::{WAKEUP_QUEUE, Wakeups};
use crate::unsubscribe::UnsubscribeTokens;
use chrono::Duration;
use palaver_domain::conversation::{ConversationEvent, ConversationId};
use palaver_domain::ports::{
    ConversationRepository, EventCursors, Mailer, MessageRepository, NotificationStore,
    PresenceDirectory, PushSubscriptionRepository, UserRepository,
};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// A scan for conversations behind every this many polls (and after a dropped wake-up).
const SCAN_EVERY_POLLS: u32 = 30;

/// What the pipeline needs from the rest of the server.
pub struct PipelinePorts {
    pub cursors: Arc<dyn EventCursors>,
    pub store: Arc<dyn NotificationStore>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub messages: Arc<dyn MessageRepository>,
    pub users: Arc<dyn UserRepository>,
    pub presence: Arc<dyn PresenceDirectory>,
    pub subscriptions: Arc<dyn PushSubscriptionRepository>,
    pub mailer: Arc<dyn Mailer>,
    pub push: Arc<WebPushClient>,
    pub unsubscribe: UnsubscribeTokens,
}

#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// Whether offline notifications are made (the pipeline's own consumer and sender);
    /// other consumers are fed either way.
    pub notifications: bool,
    pub delay: Duration,
    pub poll_interval: std::time::Duration,
    pub push_max_attempts: u32,
    pub push_retry_base: Duration,
    pub public_url: String,
}

/// The running pipeline; its tasks stop when it is dropped.
pub struct Pipeline {
    tasks: Vec<JoinHandle<()>>,
}

impl Pipeline {
    /// Starts feeding `consumers` (after the pipeline's own, when notifications are on)
    /// from `wakeups` and scans, and sending due notifications.
    pub async fn start(
        ports: PipelinePorts,
        settings: PipelineSettings,
        wakeups: Wakeups,
        consumers: Vec<Arc<dyn EventConsumer>>,
    ) -> Self {
        let mut all: Vec<Arc<dyn EventConsumer>> = Vec::new();
        if settings.notifications {
            all.push(Arc::new(Enqueuer {
                store: ports.store.clone(),
                presence: ports.presence.clone(),
                delay: settings.delay,
            }));
        }
        all.extend(consumers);
        let mut tasks = Vec::new();
        if !all.is_empty() {
            let dispatcher =
                Dispatcher::new(ports.cursors.clone(), ports.conversations.clone(), all);
            // Registered before the server takes requests, so a message sent from the first
            // request on is never taken for history that a new consumer skips.
            let registered = match dispatcher.register().await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(%error, "registering event consumers failed; retrying");
                    false
                }
            };
            tasks.push(tokio::spawn(ingest(
                dispatcher,
                wakeups,
                settings.poll_interval,
                registered,
            )));
        }
        if settings.notifications {
            let delivery = Delivery {
                store: ports.store,
                conversations: ports.conversations,
                messages: ports.messages,
                users: ports.users,
                presence: ports.presence,
                subscriptions: ports.subscriptions,
                mailer: ports.mailer,
                push: ports.push,
                unsubscribe: ports.unsubscribe,
                delay: settings.delay,
                push_max_attempts: settings.push_max_attempts.max(1),
                push_retry_base: settings.push_retry_base,
                public_url: settings.public_url,
            };
            tasks.push(tokio::spawn(deliver(delivery, settings.poll_interval)));
        }
        Self { tasks }
    }

    /// Makes `task` (a consumer's own sender) stop with the pipeline.
    pub fn adopt(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Stops its tasks; whatever they had not finished waits in the database.
    pub fn stop(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn ingest(
    dispatcher: Dispatcher,
    mut wakeups: Wakeups,
    poll: std::time::Duration,
    mut registered: bool,
) {
    let mut ticks = tokio::time::interval(poll);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Until the consumers are registered nothing is fed; then a scan catches up with
    // whatever happened while no node was listening.
    if registered {
        dispatcher.scan().await;
    }
    let mut polls = 0u32;
    // Each woken conversation with its committed events, in seq order.
    let mut woken: HashMap<ConversationId, Vec<ConversationEvent>> = HashMap::new();
    loop {
        tokio::select! {
            first = wakeups.receiver.recv() => {
                let Some(first) = first else { return };
                let mut events = 1;
                woken.entry(first.conversation_id).or_default().push(first);
                while events < WAKEUP_QUEUE {
                    match wakeups.receiver.try_recv() {
                        Ok(more) => {
                            events += 1;
                            woken.entry(more.conversation_id).or_default().push(more);
                        }
                        Err(_) => break,
                    }
                }
                if registered {
                    for (conversation, recent) in woken.drain() {
                        dispatcher.catch_up(conversation, &recent).await;
                    }
                    // A breather of one poll interval between rounds: under sustained
                    // traffic each round takes an interval's events at once, so the
                    // pipeline's queries stay few beside the sends (each round costs a few
                    // statements per conversation and consumer, whatever it carries).
                    tokio::time::sleep(poll).await;
                } else {
                    woken.clear(); // the scan after registering finds them
                }
            }
            _ = ticks.tick() => {
                polls = polls.wrapping_add(1);
                if !registered {
                    match dispatcher.register().await {
                        Ok(()) => registered = true,
                        Err(error) => {
                            tracing::warn!(%error, "registering event consumers failed; retrying");
                            continue;
                        }
                    }
                    dispatcher.scan().await;
                } else if wakeups.take_dropped() || polls.is_multiple_of(SCAN_EVERY_POLLS) {
                    dispatcher.scan().await;
                }
            }
        }
    }
}

async fn deliver(delivery: Delivery, poll: std::time::Duration) {
    let mut ticks = tokio::time::interval(poll);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        delivery.run_once().await;
    }
}
