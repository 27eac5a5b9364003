//! The hub: every open connection of this node, sharded by user, and the dispatcher that
//! hands each frame to its recipients' connections. It implements the `Notifier` port, so
//! use-cases tell it about committed changes without knowing about sockets.
//!
//! Path of a notification: `notify` renders the frame once, then either publishes the
//! envelope on the cluster bus (several nodes; every node, this one included, delivers
//! what it hears back) or queues it straight for this node's dispatcher. The dispatcher
//! resolves the audience (cached member lists, refreshed when membership changes) and
//! offers the shared frame to each connection's bounded queue without waiting: a full
//! queue marks that client as too slow, and it alone is closed.

use super::CloseCode;
use super::envelope::{Envelope, Frame, PresenceReport};
use super::presence::{ClusterPresence, Transition};
use crate::audiences::Audiences;
use crate::fanout::Shards;
use chrono::Utc;
use foldhash::HashMap;
use palaver_domain::auth::{Actor, SessionId};
use palaver_domain::conversation::Notification;
use palaver_domain::ports::{ClusterBus, Notifier, UserRepository};
use palaver_domain::user::UserId;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use uuid::Uuid;

const SHARDS: usize = 32;

/// One frame the hub offers a connection, shared by every recipient.
pub type Outbound = Arc<Frame>;
/// What the hub offers a connection at once: every frame for it from one round of the
/// dispatcher (a burst from one group commit is one item of the bounded queue, not
/// hundreds, so the queue's bound measures how far the client is behind, not batch size).
pub type Delivery = Vec<Outbound>;

/// One shard of the connection registry: each user's open connections on this node.
type Shard = HashMap<Uuid, Vec<ConnectionEntry>>;

/// How the hub reaches one connection.
struct ConnectionEntry {
    id: u64,
    session: SessionId,
    outbound: mpsc::Sender<Delivery>,
    close: watch::Sender<Option<CloseCode>>,
}

/// What a new connection gets from the hub.
#[derive(Debug)]
pub struct Registration {
    pub id: u64,
    pub outbound: mpsc::Receiver<Delivery>,
    pub close: watch::Receiver<Option<CloseCode>>,
}

/// Settings of the hub itself.
#[derive(Debug, Clone)]
pub struct HubSettings {
    pub outbound_queue: usize,
    pub presence_heartbeat: Duration,
}

/// A cloneable handle to the hub.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    next_id: AtomicU64,
    /// Open connections on this node: the dispatcher skips member look-ups when none.
    open: AtomicUsize,
    /// Socket tasks still running (see [`SocketTask`]).
    socket_tasks: Outstanding,
    /// [`Hub::shut_down`] was called: connections registered from now on close at once.
    shutting_down: AtomicBool,
    outbound_queue: usize,
    bus: Option<Arc<dyn ClusterBus>>,
    /// The fan-out shards' queues.
    fanout: Shards,
    /// The threads the shards run on; stopped with the hub.
    _fanout_threads: FanoutThreads,
    to_presence: mpsc::UnboundedSender<Transition>,
    /// Transitions queued for the presence task and not yet handled (see
    /// [`Hub::presence_settled`]).
    presence_queued: Outstanding,
    presence: Arc<ClusterPresence>,
    users: Arc<dyn UserRepository>,
}

/// The ports the hub reads: who frames are for, and where `last_seen_at` is kept.
pub struct HubPorts {
    pub audiences: Arc<dyn Audiences>,
    pub users: Arc<dyn UserRepository>,
    /// `None`: a single node, fanning out in process.
    pub bus: Option<Arc<dyn ClusterBus>>,
}

impl Hub {
    /// Starts the hub's tasks on the current tokio runtime. With a bus, the hub subscribes
    /// before returning, so nothing published afterwards is missed.
    pub async fn start(
        ports: HubPorts,
        settings: HubSettings,
    ) -> Result<Self, palaver_domain::error::BoxError> {
        let presence = Arc::new(ClusterPresence::new(
            Uuid::now_v7(),
            settings.presence_heartbeat * 3,
        ));
        let threads = fanout_threads();
        let fanout_threads = FanoutThreads::start(threads)?;
        let (fanout, shard_queues) = Shards::new(threads);
        let (to_presence, presence_queue) = mpsc::unbounded_channel();
        let hub = Self {
            inner: Arc::new(Inner {
                shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
                hasher: RandomState::new(),
                next_id: AtomicU64::new(1),
                open: AtomicUsize::new(0),
                socket_tasks: Outstanding::default(),
                shutting_down: AtomicBool::new(false),
                outbound_queue: settings.outbound_queue.max(1),
                bus: ports.bus.clone(),
                fanout: fanout.clone(),
                _fanout_threads: fanout_threads,
                to_presence,
                presence_queued: Outstanding::default(),
                presence,
                users: ports.users,
            }),
        };
        if let Some(bus) = &ports.bus {
            let (queue, inner) = (fanout, hub.downgrade());
            let node = hub.inner.presence.node();
            bus.subscribe(Box::new(move |payload| match Envelope::decode(&payload) {
                // This node delivered its own envelopes when it published them.
                Ok((origin, _)) if origin == node => {}
                // Presence is applied here rather than queued behind deliveries, so that a
                // busy dispatcher cannot make other nodes look silent.
                Ok((_, Envelope::Presence(report))) => {
                    if let Some(inner) = inner.upgrade() {
                        inner.apply_presence(report);
                    }
                }
                Ok((_, envelope)) => queue.send(envelope),
                Err(error) => tracing::warn!(%error, "ignoring an unreadable bus message"),
            }))
            .await?;
        }
        // The shards run on the fan-out threads; member look-ups run here, on the runtime
        // the database was opened on.
        let origin = tokio::runtime::Handle::current();
        for queue in shard_queues {
            hub.inner._fanout_threads.spawn(crate::fanout::run_shard(
                hub.downgrade(),
                queue,
                ports.audiences.clone(),
                origin.clone(),
            ));
        }
        tokio::spawn(crate::presence_storm::announce_presence(
            hub.downgrade(),
            presence_queue,
            ports.audiences,
        ));
        tokio::spawn(presence_heartbeat(
            hub.downgrade(),
            settings.presence_heartbeat,
        ));
        Ok(hub)
    }

    fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    /// Who is online across the cluster, for `GET /api/users/online` and profiles.
    pub fn presence(&self) -> Arc<ClusterPresence> {
        self.inner.presence.clone()
    }

    /// Adds a connection of `actor`, counting them online.
    pub fn register(&self, actor: &Actor) -> Registration {
        let (outbound_tx, outbound) = mpsc::channel(self.inner.outbound_queue);
        let (close_tx, close) = watch::channel(None);
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let user = actor.user_id.as_uuid();
        {
            let mut shard = self.inner.lock_shard(user);
            // Registered after the server began to stop (a client reconnecting at once):
            // closed like the others, or the stop would wait for it. Checked under the
            // shard's lock, which `shut_down` takes after raising the flag.
            if self.inner.shutting_down.load(Ordering::SeqCst) {
                close_tx.send_replace(Some(CloseCode::GoingAway));
            }
            shard.entry(user).or_default().push(ConnectionEntry {
                id,
                session: actor.session_id,
                outbound: outbound_tx,
                close: close_tx,
            });
        }
        self.inner.open.fetch_add(1, Ordering::Relaxed);
        metrics::gauge!("palaver_ws_connections").increment(1.0);
        let publish = |report| self.inner.publish_presence(report);
        let transition = self
            .inner
            .presence
            .connected(actor.user_id, Utc::now(), &publish);
        self.inner.announce(transition);
        Registration {
            id,
            outbound,
            close,
        }
    }

    /// Removes a connection, counting the user offline after their last one.
    pub fn unregister(&self, user: UserId, id: u64) {
        let key = user.as_uuid();
        let removed = {
            let mut shard = self.inner.lock_shard(key);
            match shard.get_mut(&key) {
                Some(entries) => {
                    let before = entries.len();
                    entries.retain(|e| e.id != id);
                    let removed = entries.len() < before;
                    if entries.is_empty() {
                        shard.remove(&key);
                    }
                    removed
                }
                None => false,
            }
        };
        if removed {
            self.inner.open.fetch_sub(1, Ordering::Relaxed);
            metrics::gauge!("palaver_ws_connections").decrement(1.0);
            let publish = |report| self.inner.publish_presence(report);
            let transition = self.inner.presence.disconnected(user, Utc::now(), &publish);
            self.inner.announce(transition);
        }
    }

    #[cfg(test)]
    pub(crate) fn has_connections(&self) -> bool {
        self.inner.has_connections()
    }

    /// Held by a connection's task for as long as it runs, its closing handshake included.
    /// Dropping it (the task ended, however) unregisters the connection if it has not
    /// unregistered itself, and lets [`Self::socket_tasks_ended`] count it gone.
    pub fn socket_task(&self, user: UserId, id: u64) -> SocketTask {
        self.inner.socket_tasks.add(1);
        SocketTask {
            hub: self.clone(),
            user,
            id,
        }
    }

    /// Waits until no socket task runs: after [`Self::shut_down`], until every socket has
    /// sent its close frame (or given up on a client that does not read).
    pub async fn socket_tasks_ended(&self) {
        self.inner.socket_tasks.none_left().await;
    }

    /// Waits until every presence change queued so far has been handled: announced and,
    /// for this node's users, `last_seen_at` recorded. A graceful stop waits for this
    /// after the sockets closed, before the database pool is closed.
    pub async fn presence_settled(&self) {
        self.inner.presence_queued.none_left().await;
    }

    /// Closes every connection (the server is stopping) and tells the other nodes this
    /// one's users are gone.
    pub fn shut_down(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
        for shard in self.inner.shards.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for entry in shard.values().flatten() {
                entry.close.send_replace(Some(CloseCode::GoingAway));
            }
        }
        self.inner.publish_presence(PresenceReport::Gone {
            node: self.inner.presence.node(),
        });
    }
}

/// See [`Hub::socket_task`].
pub struct SocketTask {
    hub: Hub,
    user: UserId,
    id: u64,
}

impl Drop for SocketTask {
    fn drop(&mut self) {
        self.hub.unregister(self.user, self.id);
        self.hub.inner.socket_tasks.done(1);
    }
}

/// A count of things under way (socket tasks, queued presence changes) that a graceful
/// stop waits to see reach zero.
#[derive(Default)]
struct Outstanding {
    count: AtomicUsize,
    none_left: Notify,
}

impl Outstanding {
    fn add(&self, count: usize) {
        self.count.fetch_add(count, Ordering::AcqRel);
    }

    fn done(&self, count: usize) {
        if self.count.fetch_sub(count, Ordering::AcqRel) == count {
            self.none_left.notify_waiters();
        }
    }

    /// Waits until the count is zero (at once if it is).
    async fn none_left(&self) {
        loop {
            let notified = self.none_left.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Notifier for Hub {
    fn notify(&self, notification: Notification) {
        self.inner.route(Envelope::from_notification(notification));
    }
}

impl Inner {
    fn lock_shard(&self, user: Uuid) -> MutexGuard<'_, Shard> {
        let index = (self.hasher.hash_one(user) as usize) % self.shards.len();
        // A shard holds plain handles; a panic while it was held leaves nothing half-done
        // that delivery could trip over.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends an envelope on its way: to this node's dispatcher at once, and over the bus
    /// to the others (whose echo this node ignores), so that a bus outage does not stop
    /// local delivery.
    fn route(&self, envelope: Envelope) {
        if let Some(bus) = &self.bus {
            bus.publish(envelope.encode(self.presence.node()));
        }
        self.fanout.send(envelope);
    }

    fn publish_presence(&self, report: PresenceReport) {
        if let Some(bus) = &self.bus {
            bus.publish(Envelope::Presence(report).encode(self.presence.node()));
        }
    }

    /// Takes in another node's presence report and announces what it changed.
    pub(crate) fn apply_presence(&self, report: PresenceReport) {
        for transition in self.presence.apply(report, Utc::now()) {
            self.announce(Some(transition));
        }
    }

    fn announce(&self, transition: Option<Transition>) {
        if let Some(transition) = transition {
            self.queue_presence(transition);
        }
    }

    fn queue_presence(&self, transition: Transition) {
        self.presence_queued.add(1);
        if self.to_presence.send(transition).is_err() {
            self.presence_handled(1);
        }
    }

    /// The presence task handled `count` queued transitions.
    pub(crate) fn presence_handled(&self, count: usize) {
        self.presence_queued.done(count);
    }

    /// Offers the frames to every connection of the user on this node.
    pub(crate) fn deliver_to(&self, user: Uuid, frames: Delivery) {
        let mut shard = self.lock_shard(user);
        let Some(entries) = shard.get_mut(&user) else {
            return;
        };
        let last = entries.len().saturating_sub(1);
        let mut frames = Some(frames);
        for (index, entry) in entries.iter().enumerate() {
            let delivery = if index == last {
                frames.take().unwrap_or_default()
            } else {
                frames.clone().unwrap_or_default()
            };
            if let Err(mpsc::error::TrySendError::Full(_)) = entry.outbound.try_send(delivery)
                && entry.close.send_replace(Some(CloseCode::Policy)).is_none()
            {
                tracing::info!(%user, connection = entry.id, "closing a client too slow to keep up");
            }
        }
    }

    pub(crate) fn close_sessions(&self, user: Uuid, sessions: Option<&[Uuid]>) {
        let shard = self.lock_shard(user);
        for entry in shard.get(&user).into_iter().flatten() {
            if sessions.is_none_or(|s| s.contains(&entry.session.as_uuid())) {
                entry.close.send_replace(Some(CloseCode::SessionRevoked));
            }
        }
    }

    pub(crate) fn has_connections(&self) -> bool {
        self.open.load(Ordering::Relaxed) > 0
    }

    pub(crate) async fn record_last_seen(
        &self,
        user: UserId,
        at: chrono::DateTime<Utc>,
    ) -> Result<(), palaver_domain::RepositoryError> {
        self.users.record_last_seen(user, at).await
    }
}

/// How many fan-out threads (and shards): one per core, at most four.
fn fanout_threads() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 4)
}

/// The threads fan-out runs on, apart from the HTTP workers and the runtime that drives
/// the database, so that fan-out of many conversations proceeds in parallel.
struct FanoutThreads(Option<tokio::runtime::Runtime>);

impl FanoutThreads {
    fn start(threads: usize) -> Result<Self, palaver_domain::error::BoxError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("palaver-fanout")
            .enable_time()
            .build()?;
        Ok(Self(Some(runtime)))
    }

    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Some(runtime) = &self.0 {
            runtime.spawn(task);
        }
    }
}

impl Drop for FanoutThreads {
    fn drop(&mut self) {
        // Without waiting: the hub may be dropped on a runtime thread.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Announces this node's users at every interval, and forgets nodes gone silent.
async fn presence_heartbeat(hub: std::sync::Weak<Inner>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        if hub.bus.is_none() {
            continue;
        }
        hub.presence
            .publish_snapshot(&|report| hub.publish_presence(report));
        for transition in hub.presence.expire_silent_nodes(Utc::now()) {
            hub.queue_presence(transition);
        }
    }
}
