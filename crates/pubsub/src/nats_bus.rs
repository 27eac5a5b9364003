//! The `ClusterBus` over core NATS pub/sub: one subject, `<namespace>.events`, on one client
//! connection that both publishes (fed by one task, so this node's payloads leave in order)
//! and subscribes. The client reconnects and resubscribes by itself.

use crate::backoff::{Backoff, delay_before_attempt};
use crate::error::BusError;
use crate::namespace::Namespace;
use crate::outbox::{Losses, OUTBOX_CAPACITY, Outbox};
use crate::task::{AbortOnDrop, current_runtime};
use crate::url::{redact, scheme_of};
use async_nats::connection::State;
use async_nats::{Client, ConnectOptions, Event, ServerAddr, Subject};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{BusDelivery, ClusterBus};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tracing::{debug, info, warn};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a flush, or the round trip that confirms a new subscription, may take.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// At most this many queued payloads are handed to the client before it is flushed.
const MAX_BATCH: usize = 256;

/// The `ClusterBus` over core NATS (`nats://[user:password@]host[:port]`, or several such
/// URLs separated by commas for a NATS cluster). No JetStream: nothing is stored.
///
/// Publish order: `publish` queues the payload; one task takes the queue in order and
/// publishes it on the client's single connection, flushing after each batch; NATS relays
/// one connection's messages to each subscriber in order. The client echoes this node's own
/// messages back to it, as the port requires.
///
/// At most once: while the client is not connected, what is published is dropped and the
/// drops are logged; messages that pass while this node is disconnected are missed; a
/// subscriber that falls more than 65,536 messages behind loses messages (NATS's "slow
/// consumer", logged). The client reconnects with capped exponential backoff for as long as
/// the bus lives, and resubscribes.
pub struct NatsBus {
    runtime: tokio::runtime::Handle,
    client: Client,
    subject: Subject,
    server: String,
    outbox: Outbox,
    subscribed: AtomicBool,
    subscriber: Mutex<Option<AbortOnDrop>>,
}

impl NatsBus {
    /// Sets up the client and the publishing task, trying once to connect (for at most
    /// 5 s). An unreachable server is not an error here: it is logged, and the client keeps
    /// connecting in the background. Fails on a malformed URL, a scheme other than
    /// `nats://`, or outside a Tokio runtime.
    pub async fn connect(url: &str, namespace: Namespace) -> Result<Self, BusError> {
        let server = redact(url);
        let addresses = parse_servers(url)?;
        let runtime = current_runtime()?;
        let subject = Subject::from(namespace.events_channel());

        let options = || {
            let events_server = server.clone();
            ConnectOptions::new()
                .name(format!("palaver {namespace}"))
                .max_reconnects(None)
                .connection_timeout(CONNECT_TIMEOUT)
                .reconnect_delay_callback(delay_before_attempt)
                .event_callback(move |event| {
                    log_event(&events_server, event);
                    async {}
                })
        };
        // One attempt now, so that a reachable server is connected to before this returns;
        // if it fails, the client connects in the background instead.
        let client = match options().connect(addresses.as_slice()).await {
            Ok(client) => client,
            Err(error) => {
                warn!(
                    %server,
                    %error,
                    "cluster bus cannot connect to NATS yet; it keeps trying in the background"
                );
                options()
                    .retry_on_initial_connect()
                    .connect(addresses.as_slice())
                    .await
                    .map_err(|error| BusError::Nats(format!("{server}: {error}")))?
            }
        };

        let (outbox, queue) = Outbox::new(OUTBOX_CAPACITY);
        // Ends by itself once the bus, and so the sending half of the queue, is dropped.
        runtime.spawn(publish_queue(client.clone(), subject.clone(), queue));
        info!(%server, %subject, "cluster bus: NATS");

        Ok(Self {
            runtime,
            client,
            subject,
            server,
            outbox,
            subscribed: AtomicBool::new(false),
            subscriber: Mutex::new(None),
        })
    }

    /// A round trip through the server on this connection: once it comes back, every
    /// subscription made before it is in place on the server.
    async fn confirm_subscriptions(&self) -> Result<(), BoxError> {
        let inbox = self.client.new_inbox();
        let mut probe = self.client.subscribe(inbox.clone()).await?;
        self.client.publish(inbox, Bytes::new()).await?;
        timeout(RESPONSE_TIMEOUT, probe.next())
            .await
            .map_err(|_| "no answer from the server")?
            .ok_or("the client closed")?;
        Ok(())
    }
}

#[async_trait]
impl ClusterBus for NatsBus {
    fn publish(&self, payload: Vec<u8>) {
        self.outbox.push(payload);
    }

    /// Subscribes and, when connected, waits for the server to confirm, so that everything
    /// published from then on is delivered. When not connected yet this still returns `Ok`
    /// (logged): the client subscribes as soon as it connects. Errs when called a second
    /// time or when the client has shut down.
    async fn subscribe(&self, deliver: BusDelivery) -> Result<(), BoxError> {
        if self.subscribed.swap(true, Ordering::AcqRel) {
            return Err(BusError::AlreadySubscribed.into());
        }
        let subscription = self
            .client
            .subscribe(self.subject.clone())
            .await
            .map_err(|error| BusError::Nats(format!("cannot subscribe: {error}")))?;
        let subscriber = Subscriber {
            client: self.client.clone(),
            subject: self.subject.clone(),
        };
        let task = self.runtime.spawn(subscriber.run(subscription, deliver));
        *self
            .subscriber
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(AbortOnDrop(task));

        let (server, subject) = (&self.server, &self.subject);
        if self.client.connection_state() != State::Connected {
            warn!(
                %server,
                %subject,
                "cluster bus is not connected yet; it subscribes when it connects"
            );
            return Ok(());
        }
        match self.confirm_subscriptions().await {
            Ok(()) => info!(%server, %subject, "cluster bus subscribed"),
            Err(error) => {
                warn!(%server, %subject, %error, "cluster bus subscription not confirmed yet");
            }
        }
        Ok(())
    }
}

/// Each server of a comma-separated list, all `nats://` with a host.
fn parse_servers(url: &str) -> Result<Vec<ServerAddr>, BusError> {
    url.split(',')
        .map(str::trim)
        .map(|one| {
            let scheme = scheme_of(one)?;
            if scheme != "nats" {
                return Err(BusError::UnsupportedScheme {
                    scheme,
                    url: redact(url),
                });
            }
            let invalid = |reason: String| BusError::InvalidUrl {
                url: redact(one),
                reason,
            };
            let address: ServerAddr = one.parse().map_err(|error| invalid(format!("{error}")))?;
            if address.host().is_empty() {
                return Err(invalid("no host".to_owned()));
            }
            Ok(address)
        })
        .collect()
}

/// The one task that sends this node's payloads, in queue order.
async fn publish_queue(client: Client, subject: Subject, mut queue: mpsc::Receiver<Vec<u8>>) {
    let mut losses = Losses::default();
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if client.connection_state() != State::Connected {
            losses.dropped(batch.len(), &"not connected to NATS");
            batch.clear();
            continue;
        }
        for payload in batch.drain(..) {
            let size = payload.len();
            match client.publish(subject.clone(), Bytes::from(payload)).await {
                Ok(()) => crate::metrics::published("nats", 1),
                Err(error) => {
                    warn!(%error, size, "cluster bus: NATS publish failed; payload dropped");
                }
            }
        }
        match timeout(RESPONSE_TIMEOUT, client.flush()).await {
            Ok(Ok(())) => losses.recovered(),
            Ok(Err(error)) => warn!(%error, "cluster bus: NATS flush failed"),
            Err(_) => warn!("cluster bus: NATS flush timed out"),
        }
    }
    debug!(%subject, "cluster bus dropped; NATS publisher stops");
}

/// The task that hands the subscription's messages to `deliver`.
struct Subscriber {
    client: Client,
    subject: Subject,
}

impl Subscriber {
    async fn run(self, mut subscription: async_nats::Subscriber, deliver: BusDelivery) {
        let mut backoff = Backoff::new();
        loop {
            let mut delivered_any = false;
            while let Some(message) = subscription.next().await {
                delivered_any = true;
                crate::metrics::received("nats");
                deliver(Vec::from(message.payload));
            }
            // The client resubscribes across reconnects by itself, so the stream ends only
            // when the client shuts down; try again rather than go silent.
            if delivered_any {
                backoff.reset();
            }
            subscription = loop {
                let retry_in = backoff.next_delay();
                warn!(
                    subject = %self.subject,
                    ?retry_in,
                    "cluster bus NATS subscription ended; resubscribing"
                );
                tokio::time::sleep(retry_in).await;
                match self.client.subscribe(self.subject.clone()).await {
                    Ok(subscription) => break subscription,
                    Err(error) => warn!(%error, "cluster bus cannot resubscribe to NATS"),
                }
            };
        }
    }
}

fn log_event(server: &str, event: Event) {
    match event {
        Event::Connected => info!(%server, "cluster bus connected to NATS"),
        Event::Disconnected => warn!(%server, "cluster bus disconnected from NATS; reconnecting"),
        Event::LameDuckMode => warn!(%server, "NATS server is shutting down (lame duck mode)"),
        Event::SlowConsumer(sid) => warn!(
            %server,
            sid,
            "cluster bus falls behind; NATS dropped messages for it (slow consumer)"
        ),
        Event::ServerError(error) => warn!(%server, %error, "NATS server error"),
        Event::ClientError(error) => warn!(%server, %error, "cluster bus NATS client error"),
        Event::Draining => info!(%server, "cluster bus NATS client draining"),
        Event::Closed => info!(%server, "cluster bus NATS client closed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_lists_take_only_nats_urls_with_a_host() {
        assert_eq!(parse_servers("nats://127.0.0.1:4222").unwrap().len(), 1);
        assert_eq!(
            parse_servers("nats://a:4222, nats://u:p@b:4223")
                .unwrap()
                .len(),
            2
        );
        assert!(matches!(
            parse_servers("nats://a:4222,tls://b:4222"),
            Err(BusError::UnsupportedScheme { scheme, .. }) if scheme == "tls"
        ));
        assert!(matches!(
            parse_servers("nats://"),
            Err(BusError::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_servers("nats://host:notaport"),
            Err(BusError::InvalidUrl { .. })
        ));
    }
}
