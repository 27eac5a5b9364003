//! The `ClusterBus` over Redis pub/sub: one channel, `<namespace>.events`; one connection
//! that publishes (fed by one task, so this node's payloads leave in order) and one
//! dedicated connection that subscribes.

use crate::backoff::Backoff;
use crate::error::BusError;
use crate::namespace::Namespace;
use crate::outbox::{Losses, OUTBOX_CAPACITY, Outbox};
use crate::task::{AbortOnDrop, current_runtime};
use crate::url::{redact, scheme_of};
use async_trait::async_trait;
use futures_util::StreamExt;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{BusDelivery, ClusterBus};
use redis::AsyncConnectionConfig;
use redis::aio::{MultiplexedConnection, PubSub};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, timeout};
use tracing::{debug, info, warn};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How often an idle subscriber connection is pinged, so that a half-open connection (one
/// the server or the network dropped silently) is noticed and replaced.
const HEALTH_CHECK_INTERVAL: Duration = Duration::from_secs(15);
/// At most this many queued payloads go out in one pipeline of PUBLISH commands.
const MAX_BATCH: usize = 256;

/// The `ClusterBus` over Redis pub/sub (`redis://[user:password@]host[:port][/db]`).
///
/// Publish order: `publish` queues the payload; one task takes the queue in order and sends
/// it as pipelined `PUBLISH` commands on one connection, and Redis relays each publisher
/// connection's messages in order. Redis pub/sub ignores the database number, hence the
/// namespace in the channel name.
///
/// At most once: a batch that fails in flight is not resent (part of it may have been
/// delivered); while the server cannot be reached, what is published is dropped and the
/// drops are logged; a subscriber that is disconnected misses what passes meanwhile. Both
/// connections reconnect by themselves with capped exponential backoff, and the subscriber
/// resubscribes.
pub struct RedisBus {
    runtime: tokio::runtime::Handle,
    client: redis::Client,
    channel: String,
    server: String,
    outbox: Outbox,
    subscribed: AtomicBool,
    subscriber: Mutex<Option<AbortOnDrop>>,
}

impl RedisBus {
    /// Sets up the bus and its publishing task; connects lazily, so an unreachable server
    /// is not an error here (the failures are logged as they happen). Fails on a malformed
    /// URL, a scheme other than `redis://`, or outside a Tokio runtime.
    pub async fn connect(url: &str, namespace: Namespace) -> Result<Self, BusError> {
        let server = redact(url);
        match scheme_of(url)?.as_str() {
            "redis" => {}
            "rediss" => return Err(BusError::RedisTlsUnsupported { url: server }),
            scheme => {
                return Err(BusError::UnsupportedScheme {
                    scheme: scheme.to_owned(),
                    url: server,
                });
            }
        }
        let client = redis::Client::open(url.trim()).map_err(|error| BusError::InvalidUrl {
            url: server.clone(),
            reason: error.to_string(),
        })?;
        let runtime = current_runtime()?;
        let channel = namespace.events_channel();

        let (outbox, queue) = Outbox::new(OUTBOX_CAPACITY);
        let publisher = Publisher {
            client: client.clone(),
            channel: channel.clone(),
            connection: None,
            retry_at: None,
            backoff: Backoff::new(),
            losses: Losses::default(),
        };
        // Ends by itself once the bus, and so the sending half of the queue, is dropped.
        runtime.spawn(publisher.run(queue));
        info!(%server, %channel, "cluster bus: Redis pub/sub");

        Ok(Self {
            runtime,
            client,
            channel,
            server,
            outbox,
            subscribed: AtomicBool::new(false),
            subscriber: Mutex::new(None),
        })
    }
}

#[async_trait]
impl ClusterBus for RedisBus {
    fn publish(&self, payload: Vec<u8>) {
        self.outbox.push(payload);
    }

    /// Opens the subscriber connection and waits for the first attempt: when it succeeds,
    /// everything published from then on is delivered. When it fails, this still returns
    /// `Ok` and the bus keeps trying in the background (logged); delivery starts once it
    /// gets through. Errs only when called a second time.
    async fn subscribe(&self, deliver: BusDelivery) -> Result<(), BoxError> {
        if self.subscribed.swap(true, Ordering::AcqRel) {
            return Err(BusError::AlreadySubscribed.into());
        }
        let subscriber = Subscriber {
            client: self.client.clone(),
            channel: self.channel.clone(),
        };
        let (first_attempt, first_outcome) = oneshot::channel();
        let task = self.runtime.spawn(subscriber.run(deliver, first_attempt));
        *self
            .subscriber
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(AbortOnDrop(task));

        match first_outcome.await {
            Ok(true) => {
                info!(server = %self.server, channel = %self.channel, "cluster bus subscribed")
            }
            _ => warn!(
                server = %self.server,
                channel = %self.channel,
                "cluster bus is not subscribed yet; it keeps trying in the background"
            ),
        }
        Ok(())
    }
}

/// The one task that sends this node's payloads, in queue order.
struct Publisher {
    client: redis::Client,
    channel: String,
    connection: Option<MultiplexedConnection>,
    /// While set and in the future, the server is taken to be down: payloads are dropped
    /// without trying to connect.
    retry_at: Option<Instant>,
    backoff: Backoff,
    losses: Losses,
}

impl Publisher {
    async fn run(mut self, mut queue: mpsc::Receiver<Vec<u8>>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
            self.send(&mut batch).await;
            batch.clear();
        }
        debug!(channel = %self.channel, "cluster bus dropped; Redis publisher stops");
    }

    async fn send(&mut self, batch: &mut Vec<Vec<u8>>) {
        let count = batch.len();
        let mut connection = match self.connection.take() {
            Some(connection) => connection,
            None => match self.reconnect().await {
                Ok(connection) => connection,
                Err(reason) => {
                    self.losses.dropped(count, &reason);
                    return;
                }
            },
        };
        let mut pipeline = redis::pipe();
        for payload in batch.drain(..) {
            pipeline
                .cmd("PUBLISH")
                .arg(&self.channel)
                .arg(payload)
                .ignore();
        }
        match pipeline.exec_async(&mut connection).await {
            Ok(()) => {
                crate::metrics::published("redis", count);
                self.connection = Some(connection);
                self.losses.recovered();
            }
            Err(error) => {
                // The connection is dropped and the next batch reconnects at once; this
                // batch is not resent, as part of it may have been delivered.
                self.losses
                    .dropped(count, &format!("PUBLISH failed ({error}); reconnecting"));
            }
        }
    }

    async fn reconnect(&mut self) -> Result<MultiplexedConnection, String> {
        if let Some(retry_at) = self.retry_at
            && Instant::now() < retry_at
        {
            return Err("the Redis server is unreachable".to_owned());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        match self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
            Ok(connection) => {
                self.backoff.reset();
                self.retry_at = None;
                debug!(channel = %self.channel, "cluster bus publisher connected to Redis");
                Ok(connection)
            }
            Err(error) => {
                let retry_in = self.backoff.next_delay();
                self.retry_at = Some(Instant::now() + retry_in);
                warn!(%error, ?retry_in, "cluster bus publisher cannot connect to Redis");
                Err(format!("cannot connect to Redis: {error}"))
            }
        }
    }
}

/// The task that holds the dedicated subscriber connection and reopens it when it drops.
struct Subscriber {
    client: redis::Client,
    channel: String,
}

impl Subscriber {
    /// Reports on `first_attempt` whether the first subscription got through, then keeps a
    /// subscription open for as long as the bus lives.
    async fn run(self, deliver: BusDelivery, first_attempt: oneshot::Sender<bool>) {
        let mut first_attempt = Some(first_attempt);
        let mut backoff = Backoff::new();
        loop {
            match self.open().await {
                Ok(pubsub) => {
                    backoff.reset();
                    match first_attempt.take() {
                        Some(first) => {
                            let _ = first.send(true);
                        }
                        None => info!(channel = %self.channel, "cluster bus resubscribed"),
                    }
                    let reason = self.pump(pubsub, &deliver).await;
                    warn!(
                        %reason,
                        channel = %self.channel,
                        "cluster bus subscription lost; reconnecting"
                    );
                }
                Err(error) => {
                    if let Some(first) = first_attempt.take() {
                        let _ = first.send(false);
                    }
                    warn!(%error, channel = %self.channel, "cluster bus cannot subscribe to Redis");
                }
            }
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }

    async fn open(&self) -> Result<PubSub, BoxError> {
        let mut pubsub = timeout(CONNECT_TIMEOUT, self.client.get_async_pubsub())
            .await
            .map_err(|_| "timed out connecting")??;
        timeout(RESPONSE_TIMEOUT, pubsub.subscribe(&self.channel))
            .await
            .map_err(|_| "timed out subscribing")??;
        Ok(pubsub)
    }

    /// Hands every message to `deliver` until the connection fails; returns why it did.
    async fn pump(&self, pubsub: PubSub, deliver: &BusDelivery) -> String {
        let (mut sink, mut messages) = pubsub.split();
        let start = Instant::now() + HEALTH_CHECK_INTERVAL;
        let mut health_check = tokio::time::interval_at(start, HEALTH_CHECK_INTERVAL);
        loop {
            tokio::select! {
                message = messages.next() => match message {
                    Some(message) => {
                        crate::metrics::received("redis");
                        deliver(message.get_payload_bytes().to_vec());
                    }
                    None => return "the connection closed".to_owned(),
                },
                _ = health_check.tick() => {
                    match timeout(RESPONSE_TIMEOUT, sink.ping::<redis::Value>()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => return format!("PING failed: {error}"),
                        Err(_) => return "PING timed out".to_owned(),
                    }
                }
            }
        }
    }
}
