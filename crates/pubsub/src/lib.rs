//! Adapters for the domain's `ClusterBus` port: the real-time side's envelopes carried
//! between the nodes of a cluster over an engine the cluster already runs.
//!
//! - [`RedisBus`]: Redis pub/sub, `redis://host:port[/db]`.
//! - [`NatsBus`]: core NATS pub/sub (no JetStream), `nats://host:port[,nats://…]`.
//!
//! [`connect`] picks one by the URL's scheme. Both publish and subscribe on one channel (Redis)
//! or subject (NATS) named `<namespace>.events`, so that several clusters, or parallel test
//! runs, can share one server without hearing each other.
//!
//! # What the bus promises
//!
//! - **Every node, this one included.** A payload published on one node is handed to the
//!   `deliver` callback of every subscribed node on the same namespace, the publisher's own
//!   included.
//! - **Publish order, per publisher.** Payloads from one node arrive everywhere in the order
//!   that node published them: `publish` only queues, and a single task per bus sends the
//!   queue over a single connection. There is no order *between* nodes.
//! - **At most once.** Nothing is retried or replayed. A payload is lost when the queue is
//!   full, when the server cannot be reached at the moment it is sent, when a connection
//!   breaks with it in flight, or when a subscriber is disconnected while it passes. Each
//!   loss is logged. Clients catch up through `sync`, which reads the event log.
//! - **Never blocks the caller.** `publish` returns at once; connecting, reconnecting and
//!   sending all happen in background tasks, which retry with capped exponential backoff
//!   (100 ms doubling to 5 s) and resubscribe by themselves.
//!
//! The background tasks need a Tokio runtime; they stop when the bus is dropped.

mod backoff;
mod error;
mod metrics;
mod namespace;
mod nats_bus;
mod outbox;
mod redis_attempts;
mod redis_bus;
mod task;
mod url;

pub use error::BusError;
pub use namespace::Namespace;
pub use nats_bus::NatsBus;
pub use redis_attempts::RedisAttemptCounter;
pub use redis_bus::RedisBus;

use palaver_domain::error::BoxError;
use palaver_domain::ports::{AttemptCounter, ClusterBus};
use std::sync::Arc;
use url::Scheme;

/// Connects to the cluster bus at `url`: `redis://…` for [`RedisBus`], `nats://…` for
/// [`NatsBus`]. `namespace` names this cluster on that server (see [`Namespace::parse`]).
///
/// Fails on an unknown scheme, a malformed URL or namespace, or `rediss://` (this build has
/// no Redis TLS support); it does *not* fail when the server is unreachable: the bus then
/// connects in the background, logging each failed attempt, and drops what is published
/// until it is connected. Must be called within a Tokio runtime.
pub async fn connect(url: &str, namespace: &str) -> Result<Arc<dyn ClusterBus>, BoxError> {
    let namespace = Namespace::parse(namespace)?;
    let bus: Arc<dyn ClusterBus> = match Scheme::of(url)? {
        Scheme::Redis => Arc::new(RedisBus::connect(url, namespace).await?),
        Scheme::Nats => Arc::new(NatsBus::connect(url, namespace).await?),
    };
    Ok(bus)
}

/// Attempt counters every node shares, when the bus at `url` can hold them: Redis can;
/// core NATS pub/sub cannot, so `None` there (each node then counts for itself).
pub fn shared_attempt_counter(
    url: &str,
    namespace: &str,
) -> Result<Option<Arc<dyn AttemptCounter>>, BoxError> {
    let namespace = Namespace::parse(namespace)?;
    Ok(match Scheme::of(url)? {
        Scheme::Redis => Some(Arc::new(RedisAttemptCounter::new(url, &namespace)?)),
        Scheme::Nats => None,
    })
}
