//! What the bus tests share: the servers to run against, nodes that record what they hear,
//! a TCP proxy that can play an unreachable or failing server, and the scenarios themselves,
//! written once and run against Redis and NATS.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod proxy;
pub mod scenarios;

use palaver_domain::ports::ClusterBus;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

/// The live server named by `variable`. Panics without one: the test was asked to run
/// against it (it is `#[ignore]`d otherwise).
pub fn server_url(variable: &str, example: &str) -> String {
    init_logs();
    std::env::var(variable)
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| panic!("set {variable} (e.g. {example}) to run this test"))
}

pub fn redis_url() -> String {
    server_url("PALAVER_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

pub fn nats_url() -> String {
    server_url("PALAVER_TEST_NATS_URL", "nats://127.0.0.1:4222")
}

/// Logs to the test's output; `RUST_LOG` picks the level (warnings by default).
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// A namespace no other test (or test run) uses.
pub fn fresh_namespace() -> String {
    format!("palaver-test.{}", uuid::Uuid::new_v4().simple())
}

/// A URL whose port nothing listens on.
pub fn closed_port_url(scheme: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("{scheme}://{address}")
}

/// One node of a test cluster: a subscribed bus and everything it has been handed.
pub struct Node {
    pub bus: Arc<dyn ClusterBus>,
    heard: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl Node {
    pub async fn join(url: &str, namespace: &str) -> Node {
        let bus = palaver_pubsub::connect(url, namespace).await.unwrap();
        let (tell, heard) = mpsc::unbounded_channel();
        bus.subscribe(Box::new(move |payload| {
            let _ = tell.send(payload);
        }))
        .await
        .unwrap();
        Node { bus, heard }
    }

    pub fn publish(&self, payload: &str) {
        self.bus.publish(payload.as_bytes().to_vec());
    }

    /// The next `count` payloads, waiting at most `within` for all of them.
    pub async fn hear(&mut self, count: usize, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        let mut heard = Vec::with_capacity(count);
        while heard.len() < count {
            match timeout(deadline - Instant::now(), self.heard.recv()).await {
                Ok(Some(payload)) => heard.push(String::from_utf8(payload).unwrap()),
                _ => panic!(
                    "heard {} of {count} payloads within {within:?}; the last: {:?}",
                    heard.len(),
                    heard.last()
                ),
            }
        }
        heard
    }

    /// What has arrived so far, without waiting.
    pub fn heard_so_far(&mut self) -> Vec<String> {
        let mut heard = Vec::new();
        while let Ok(payload) = self.heard.try_recv() {
            heard.push(String::from_utf8(payload).unwrap());
        }
        heard
    }
}
