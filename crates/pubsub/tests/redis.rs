//! The cluster bus over a live Redis server, when PALAVER_TEST_REDIS_URL names one;
//! each test says it is skipped otherwise. Every test uses namespaces of its own, so they
//! run in parallel, and beside other runs, on one server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use common::scenarios;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_each_hear_everything_in_publish_order() {
    let Some(url) = common::redis_url() else {
        return;
    };
    scenarios::two_nodes_each_hear_everything_in_publish_order(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_namespace_hears_nothing() {
    let Some(url) = common::redis_url() else {
        return;
    };
    scenarios::another_namespace_hears_nothing(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_while_unreachable_never_blocks_and_the_bus_recovers() {
    let Some(url) = common::redis_url() else {
        return;
    };
    scenarios::publishing_while_unreachable_never_blocks_and_the_bus_recovers(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_connections_break_reconnects_and_resubscribes() {
    let Some(url) = common::redis_url() else {
        return;
    };
    scenarios::a_node_whose_connections_break_reconnects_and_resubscribes(&url).await;
}
