//! The bus scenarios, each run against Redis and against NATS by `redis.rs` and `nats.rs`.

use super::proxy::Proxy;
use super::{Node, fresh_namespace};
use std::time::Duration;
use tokio::time::{Instant, sleep};

const PER_NODE: usize = 1000;
const PATIENCE: Duration = Duration::from_secs(20);
/// How long to listen for something that must not arrive.
const QUIET: Duration = Duration::from_millis(300);

/// The numbers of `origin`'s payloads among `heard`, in the order they were heard.
fn numbers_from(origin: &str, heard: &[String]) -> Vec<usize> {
    heard
        .iter()
        .filter_map(|payload| payload.strip_prefix(origin)?.strip_prefix(':'))
        .map(|number| number.parse().unwrap())
        .collect()
}

pub async fn two_nodes_each_hear_everything_in_publish_order(url: &str) {
    let namespace = fresh_namespace();
    let mut a = Node::join(url, &namespace).await;
    let mut b = Node::join(url, &namespace).await;

    for i in 0..PER_NODE {
        a.publish(&format!("a:{i}"));
        b.publish(&format!("b:{i}"));
    }

    let in_order: Vec<usize> = (0..PER_NODE).collect();
    for (name, node) in [("a", &mut a), ("b", &mut b)] {
        let heard = node.hear(2 * PER_NODE, PATIENCE).await;
        assert_eq!(
            numbers_from("a", &heard),
            in_order,
            "{name} heard a's out of order"
        );
        assert_eq!(
            numbers_from("b", &heard),
            in_order,
            "{name} heard b's out of order"
        );
    }
    sleep(QUIET).await;
    assert_eq!(a.heard_so_far(), Vec::<String>::new(), "a heard extra");
    assert_eq!(b.heard_so_far(), Vec::<String>::new(), "b heard extra");
}

pub async fn another_namespace_hears_nothing(url: &str) {
    let mut ours = Node::join(url, &fresh_namespace()).await;
    let mut theirs = Node::join(url, &fresh_namespace()).await;

    for i in 0..100 {
        ours.publish(&format!("ours:{i}"));
    }
    theirs.publish("theirs:0");

    let heard = ours.hear(100, PATIENCE).await;
    assert_eq!(numbers_from("ours", &heard), (0..100).collect::<Vec<_>>());
    assert_eq!(theirs.hear(1, PATIENCE).await, ["theirs:0"]);
    sleep(QUIET).await;
    assert_eq!(ours.heard_so_far(), Vec::<String>::new());
    assert_eq!(theirs.heard_so_far(), Vec::<String>::new());
}

/// Publishes numbered probes from `from` (and from `also`, if given) until `to` has heard
/// one of `from`'s; what else arrives meanwhile is ignored.
async fn probe_until_heard(from: &Node, origin: &str, to: &mut Node, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    for i in 0.. {
        from.publish(&format!("{origin}:{i}"));
        sleep(Duration::from_millis(100)).await;
        if !numbers_from(origin, &to.heard_so_far()).is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: nothing heard within {PATIENCE:?}"
        );
    }
}

pub async fn publishing_while_unreachable_never_blocks_and_the_bus_recovers(url: &str) {
    let server = Proxy::start(url, false).await;
    let started = Instant::now();
    let mut node = Node::join(&server.url, &fresh_namespace()).await;
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "joining took {:?} with the server down",
        started.elapsed()
    );

    let publishing = Instant::now();
    for i in 0..10_000 {
        node.publish(&format!("early:{i}"));
    }
    assert!(
        publishing.elapsed() < Duration::from_secs(1),
        "10,000 publishes took {:?} with the server down",
        publishing.elapsed()
    );

    server.set_up(true);
    let probe = node.bus.clone();
    probe_until_heard_by_self(&probe, &mut node).await;
}

async fn probe_until_heard_by_self(
    bus: &std::sync::Arc<dyn palaver_domain::ports::ClusterBus>,
    node: &mut Node,
) {
    let deadline = Instant::now() + PATIENCE;
    for i in 0.. {
        bus.publish(format!("late:{i}").into_bytes());
        sleep(Duration::from_millis(100)).await;
        if !numbers_from("late", &node.heard_so_far()).is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the bus did not recover within {PATIENCE:?} of the server coming up"
        );
    }
}

pub async fn a_node_whose_connections_break_reconnects_and_resubscribes(url: &str) {
    let namespace = fresh_namespace();
    let server = Proxy::start(url, true).await;
    let mut flaky = Node::join(&server.url, &namespace).await;
    let mut steady = Node::join(url, &namespace).await;

    flaky.publish("before:0");
    assert_eq!(steady.hear(1, PATIENCE).await, ["before:0"]);
    assert_eq!(flaky.hear(1, PATIENCE).await, ["before:0"]);

    server.cut_connections();

    probe_until_heard(
        &flaky,
        "flaky",
        &mut steady,
        "flaky's publisher reconnecting",
    )
    .await;
    probe_until_heard(
        &steady,
        "steady",
        &mut flaky,
        "flaky's subscriber resubscribing",
    )
    .await;
}
