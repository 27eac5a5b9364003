//! The cluster bus over a live NATS server, named by PALAVER_TEST_NATS_URL. The tests are
//! `#[ignore]`d, so a plain run reports them as skipped; `make test-bus` runs them when the
//! URL is given (run without it, they fail). Every test uses namespaces of its own, so they
//! run in parallel, and beside other runs, on one server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use common::scenarios;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs NATS: set PALAVER_TEST_NATS_URL (make test-bus runs it)"]
async fn two_nodes_each_hear_everything_in_publish_order() {
    let url = common::nats_url();
    scenarios::two_nodes_each_hear_everything_in_publish_order(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs NATS: set PALAVER_TEST_NATS_URL (make test-bus runs it)"]
async fn another_namespace_hears_nothing() {
    let url = common::nats_url();
    scenarios::another_namespace_hears_nothing(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs NATS: set PALAVER_TEST_NATS_URL (make test-bus runs it)"]
async fn publishing_while_unreachable_never_blocks_and_the_bus_recovers() {
    let url = common::nats_url();
    scenarios::publishing_while_unreachable_never_blocks_and_the_bus_recovers(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs NATS: set PALAVER_TEST_NATS_URL (make test-bus runs it)"]
async fn a_node_whose_connections_break_reconnects_and_resubscribes() {
    let url = common::nats_url();
    scenarios::a_node_whose_connections_break_reconnects_and_resubscribes(&url).await;
}
