//! What the bus does without any server: refuse bad URLs and namespaces, and take
//! publishes without blocking when nothing listens at the address.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use common::{closed_port_url, init_logs};
use palaver_pubsub::{BusError, Namespace, NatsBus, RedisBus};
use std::time::{Duration, Instant};

async fn connect_error(url: &str, namespace: &str) -> String {
    match palaver_pubsub::connect(url, namespace).await {
        Ok(_) => panic!("connected to {url:?} on {namespace:?}"),
        Err(error) => error.to_string(),
    }
}

#[tokio::test]
async fn unknown_schemes_and_malformed_urls_are_errors() {
    init_logs();
    let error = connect_error("http://127.0.0.1:6379", "ns").await;
    assert!(
        error.contains("unsupported") && error.contains("\"http\""),
        "{error}"
    );
    assert!(
        error.contains("redis://") && error.contains("nats://"),
        "{error}"
    );

    let error = connect_error("rediss://:secret@127.0.0.1:6380", "ns").await;
    assert!(error.contains("TLS"), "{error}");
    assert!(!error.contains("secret"), "the password leaked: {error}");

    for malformed in [
        "",
        "127.0.0.1:6379",
        "redis://",
        "nats://",
        "nats://host:port",
    ] {
        let error = connect_error(malformed, "ns").await;
        assert!(
            error.contains("invalid cluster bus URL"),
            "{malformed:?}: {error}"
        );
    }
    let error = connect_error("nats://127.0.0.1:4222,redis://127.0.0.1:6379", "ns").await;
    assert!(error.contains("\"redis\""), "{error}");
}

#[tokio::test]
async fn adapters_refuse_each_others_urls() {
    let namespace = Namespace::parse("ns").unwrap();
    assert!(matches!(
        RedisBus::connect("nats://127.0.0.1:4222", namespace.clone()).await,
        Err(BusError::UnsupportedScheme { .. })
    ));
    assert!(matches!(
        NatsBus::connect("redis://127.0.0.1:6379", namespace).await,
        Err(BusError::UnsupportedScheme { .. })
    ));
}

#[tokio::test]
async fn bad_namespaces_are_errors() {
    for bad in ["", "two words", "a/b", "a..b", ".a", "star.*"] {
        let error = connect_error("redis://127.0.0.1:6379", bad).await;
        assert!(error.contains("namespace"), "{bad:?}: {error}");
    }
}

/// Joins a bus at an address where nothing listens, then publishes; neither may block or
/// panic, and a second subscribe is refused.
async fn publish_with_nothing_listening(scheme: &str) {
    init_logs();
    let bus = palaver_pubsub::connect(&closed_port_url(scheme), "ns")
        .await
        .unwrap();

    let started = Instant::now();
    bus.subscribe(Box::new(|_| {})).await.unwrap();
    for i in 0..100_000u32 {
        bus.publish(i.to_be_bytes().to_vec());
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "subscribing and 100,000 publishes took {:?}",
        started.elapsed()
    );

    let again = bus.subscribe(Box::new(|_| {})).await.unwrap_err();
    assert!(again.to_string().contains("already subscribed"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_publish_with_nothing_listening_neither_blocks_nor_panics() {
    publish_with_nothing_listening("redis").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_publish_with_nothing_listening_neither_blocks_nor_panics() {
    publish_with_nothing_listening("nats").await;
}
