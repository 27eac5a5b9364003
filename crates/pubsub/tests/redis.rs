//! The cluster bus over a live Redis server, named by PALAVER_TEST_REDIS_URL. The tests are
//! `#[ignore]`d, so a plain run reports them as skipped; `make test-bus` runs them when the
//! URL is given (run without it, they fail). Every test uses namespaces of its own, so they
//! run in parallel, and beside other runs, on one server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use common::scenarios;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set PALAVER_TEST_REDIS_URL (make test-bus runs it)"]
async fn two_nodes_each_hear_everything_in_publish_order() {
    let url = common::redis_url();
    scenarios::two_nodes_each_hear_everything_in_publish_order(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set PALAVER_TEST_REDIS_URL (make test-bus runs it)"]
async fn another_namespace_hears_nothing() {
    let url = common::redis_url();
    scenarios::another_namespace_hears_nothing(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set PALAVER_TEST_REDIS_URL (make test-bus runs it)"]
async fn publishing_while_unreachable_never_blocks_and_the_bus_recovers() {
    let url = common::redis_url();
    scenarios::publishing_while_unreachable_never_blocks_and_the_bus_recovers(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set PALAVER_TEST_REDIS_URL (make test-bus runs it)"]
async fn a_node_whose_connections_break_reconnects_and_resubscribes() {
    let url = common::redis_url();
    scenarios::a_node_whose_connections_break_reconnects_and_resubscribes(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: set PALAVER_TEST_REDIS_URL (make test-bus runs it)"]
async fn attempt_counters_are_shared_between_nodes_and_expire() {
    use std::time::Duration;
    let url = common::redis_url();
    let namespace = common::fresh_namespace();
    let node = |_: u8| {
        palaver_pubsub::shared_attempt_counter(&url, &namespace)
            .unwrap()
            .expect("Redis holds counters")
    };
    let (one, two) = (node(1), node(2));
    let window = Duration::from_secs(60);
    assert_eq!(one.hit("login:x", window).await.unwrap().attempts, 1);
    let second = two.hit("login:x", window).await.unwrap();
    assert_eq!(second.attempts, 2, "the other node sees the first attempt");
    assert!(second.resets_in <= window && second.resets_in > Duration::from_secs(50));
    two.clear("login:x").await.unwrap();
    assert_eq!(one.hit("login:x", window).await.unwrap().attempts, 1);

    // Another namespace counts apart; a window ends.
    let other = palaver_pubsub::shared_attempt_counter(&url, &common::fresh_namespace())
        .unwrap()
        .unwrap();
    assert_eq!(other.hit("login:x", window).await.unwrap().attempts, 1);
    let short = Duration::from_millis(50);
    one.hit("short", short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(one.hit("short", short).await.unwrap().attempts, 1);
}

#[tokio::test]
async fn nats_holds_no_counters_and_an_unreachable_redis_fails_each_attempt() {
    assert!(
        palaver_pubsub::shared_attempt_counter("nats://127.0.0.1:4222", "palaver")
            .unwrap()
            .is_none()
    );
    let closed = common::closed_port_url("redis");
    let counter = palaver_pubsub::shared_attempt_counter(&closed, "palaver")
        .unwrap()
        .unwrap();
    assert!(
        counter
            .hit("k", std::time::Duration::from_secs(1))
            .await
            .is_err()
    );
}
