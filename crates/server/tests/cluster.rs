//! Two `palaver-server` processes as one cluster: one database, one bus (Redis, then NATS),
//! clients on both nodes. Every scenario runs once per bus, each test on a bus namespace and
//! a database of its own, so they run in parallel.
//!
//! Run them with the bus servers named (PostgreSQL optional; SQLite otherwise):
//!
//! ```text
//! PALAVER_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//! PALAVER_TEST_REDIS_URL=redis://127.0.0.1:6379 PALAVER_TEST_NATS_URL=nats://127.0.0.1:4222 \
//! cargo nextest run -p palaver-server --test cluster --run-ignored only
//! ```
//!
//! They are `#[ignore]`d, so that a run without the bus servers reports them as skipped
//! (`make test-servers` runs them on each bus named); run without their bus URL they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod cluster_support;

use cluster_support::{Bus, Cluster, WsClient, describe, ws};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The presence heartbeat the nodes run with (as in config/test.toml, but set explicitly:
/// the dead-node bound below depends on it).
const PRESENCE_HEARTBEAT_MS: u64 = 300;
/// What a test allows beyond the protocol's own delays, for a busy two-core machine.
const SLACK: Duration = Duration::from_secs(4);
/// How long a frame that should arrive "promptly" (no timeout involved) may take.
const PROMPTLY: Duration = Duration::from_secs(5);
/// How long a test listens for frames that must not come (duplicates, wrong presence).
const QUIET: Duration = Duration::from_millis(1500);

async fn start(bus: Bus) -> Cluster {
    let heartbeat = PRESENCE_HEARTBEAT_MS.to_string();
    Cluster::start(
        bus,
        &[("PALAVER__REALTIME__PRESENCE_HEARTBEAT_MS", &heartbeat)],
    )
    .await
}

fn is_presence(frame: &Value, user: &str, status: &str) -> bool {
    frame["type"] == "presence" && frame["user_id"] == user && frame["status"] == status
}

/// Waits for `client` to be told that `user` is `status`.
async fn expect_presence(client: &mut WsClient, user: &str, status: &str, within: Duration) {
    let frame = client
        .next_where(&format!("presence {status} of {user}"), within, |f| {
            is_presence(f, user, status)
        })
        .await;
    assert!(frame["last_seen_at"].is_string(), "{frame}");
}

/// Checks that `client` receives exactly `expected` (seq, message id) as `message.created`
/// in `conversation`, in that order, and nothing more.
async fn expect_messages(client: &mut WsClient, conversation: &str, expected: &[(i64, String)]) {
    let mut received = Vec::new();
    while received.len() < expected.len() {
        let frame = client
            .try_next_where(ws::FRAME_TIMEOUT, |f| {
                f["type"] == "message.created" && f["conversation_id"] == conversation
            })
            .await;
        match frame {
            Some(frame) => received.push(frame),
            None => panic!(
                "{}: {} of {} message.created frames after {:?}:\n  {}",
                client.label,
                received.len(),
                expected.len(),
                ws::FRAME_TIMEOUT,
                describe(&received)
            ),
        }
    }
    let extra = client.collect_of("message.created", QUIET).await;
    assert!(
        extra.is_empty(),
        "{}: message.created beyond the {} expected:\n  {}",
        client.label,
        expected.len(),
        describe(&extra)
    );
    let got: Vec<(i64, String)> = received
        .iter()
        .map(|f| {
            assert_eq!(f["seq"], f["message"]["seq"], "{f}");
            (
                f["seq"].as_i64().unwrap(),
                f["message"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        expected,
        "{}: message.created out of order, doubled or missing:\n  {}",
        client.label,
        describe(&received)
    );
}

/// (seq, id) of a message as REST or an `ack` returns it.
fn seq_and_id(message: &Value) -> (i64, String) {
    (
        message["seq"].as_i64().unwrap(),
        message["id"].as_str().unwrap().to_owned(),
    )
}

/// Messages sent on node A, over WebSocket and REST, reach the members' connections on B
/// (the sender's other device included) and the sender's own device on A: every one, in
/// order, once. And back the other way.
async fn messages_cross_nodes_in_order_exactly_once(bus: Bus) {
    let cluster = start(bus).await;
    let (a, b) = (&cluster.a, &cluster.b);
    let ada = cluster.register(a, "ada").await;
    let bob = cluster.register(b, "bob").await;
    let conversation = cluster.create_group(a, &ada, &[&bob]).await;
    let mut ada_phone = cluster.connect(a, &ada, "phone").await;
    let mut ada_laptop = cluster.connect(b, &ada, "laptop").await;
    let mut bob_desk = cluster.connect(b, &bob, "desk").await;

    let mut sent = Vec::new();
    // Pipelined over WebSocket on A: all commands first, then the acks.
    for i in 0..10 {
        ada_phone.send_json(json!({
            "type": "message.send", "conversation_id": conversation,
            "content": format!("ws {i}"), "client_id": format!("ws-{i}"),
        }));
    }
    for i in 0..10 {
        let client_id = format!("ws-{i}");
        let ack = ada_phone
            .next_where(&format!("ack of {client_id}"), ws::FRAME_TIMEOUT, |f| {
                matches!(f["type"].as_str(), Some("ack" | "error")) && f["client_id"] == client_id
            })
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
        assert_eq!(ack["message"]["content"], format!("ws {i}"));
        sent.push(seq_and_id(&ack["message"]));
    }
    // Over REST to A.
    for i in 0..10 {
        let message = cluster
            .send_rest(
                a,
                &ada,
                &conversation,
                &format!("rest {i}"),
                &format!("rest-{i}"),
            )
            .await;
        sent.push(seq_and_id(&message));
    }
    // And from B: bob over WebSocket, then REST, both to B.
    for i in 0..3 {
        let ack = bob_desk
            .command(json!({
                "type": "message.send", "conversation_id": conversation,
                "content": format!("bob ws {i}"), "client_id": format!("bob-ws-{i}"),
            }))
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
        sent.push(seq_and_id(&ack["message"]));
    }
    for i in 0..3 {
        let message = cluster
            .send_rest(
                b,
                &bob,
                &conversation,
                &format!("bob rest {i}"),
                &format!("bob-rest-{i}"),
            )
            .await;
        sent.push(seq_and_id(&message));
    }
    // One sender at a time, each waiting for its answer: the seqs follow the sending order.
    for pair in sent.windows(2) {
        assert_eq!(
            pair[1].0,
            pair[0].0 + 1,
            "seqs of the sent messages: {sent:?}"
        );
    }

    for client in [&mut ada_phone, &mut ada_laptop, &mut bob_desk] {
        expect_messages(client, &conversation, &sent).await;
    }
}

/// Typing on one node reaches the other, both ways, and its end too.
async fn typing_crosses_nodes(bus: Bus) {
    let cluster = start(bus).await;
    let (a, b) = (&cluster.a, &cluster.b);
    let ada = cluster.register(a, "ada").await;
    let bob = cluster.register(b, "bob").await;
    let conversation = cluster.create_group(a, &ada, &[&bob]).await;
    let mut ada_on_a = cluster.connect(a, &ada, "phone").await;
    let mut bob_on_b = cluster.connect(b, &bob, "desk").await;

    for is_typing in [true, false] {
        ada_on_a.send_json(json!({
            "type": "typing", "conversation_id": conversation, "is_typing": is_typing,
        }));
        let frame = bob_on_b
            .next_where(&format!("typing {is_typing} of ada"), PROMPTLY, |f| {
                f["type"] == "typing" && f["user_id"] == ada.id && f["is_typing"] == is_typing
            })
            .await;
        assert_eq!(frame["conversation_id"], conversation, "{frame}");
    }
    for is_typing in [true, false] {
        bob_on_b.send_json(json!({
            "type": "typing", "conversation_id": conversation, "is_typing": is_typing,
        }));
        let frame = ada_on_a
            .next_where(&format!("typing {is_typing} of bob"), PROMPTLY, |f| {
                f["type"] == "typing" && f["user_id"] == bob.id && f["is_typing"] == is_typing
            })
            .await;
        assert_eq!(frame["conversation_id"], conversation, "{frame}");
    }
}

/// Presence spans the cluster: a user connecting on A is announced to a contact on B, and
/// `GET /api/users/online` on either node lists the users of both; a user connected to both
/// nodes stays online until their last connection anywhere closes.
async fn presence_spans_both_nodes(bus: Bus) {
    let cluster = start(bus).await;
    let (a, b) = (&cluster.a, &cluster.b);
    let ada = cluster.register(a, "ada").await;
    let bob = cluster.register(b, "bob").await;
    let carol = cluster.register(a, "carol").await;
    cluster.create_group(a, &ada, &[&bob, &carol]).await;

    let mut bob_on_b = cluster.connect(b, &bob, "desk").await;
    cluster.wait_online(a, &ada, &[&bob], PROMPTLY).await;

    let ada_on_a = cluster.connect(a, &ada, "phone").await;
    expect_presence(&mut bob_on_b, &ada.id, "online", PROMPTLY).await;

    let carol_on_a = cluster.connect(a, &carol, "phone").await;
    let carol_on_b = cluster.connect(b, &carol, "laptop").await;
    expect_presence(&mut bob_on_b, &carol.id, "online", PROMPTLY).await;
    for node in [a, b] {
        cluster
            .wait_online(node, &bob, &[&ada, &bob, &carol], PROMPTLY)
            .await;
    }

    ada_on_a.close().await;
    expect_presence(&mut bob_on_b, &ada.id, "offline", PROMPTLY).await;
    for node in [a, b] {
        cluster
            .wait_online(node, &bob, &[&bob, &carol], PROMPTLY)
            .await;
    }

    // Carol leaves A but is still on B: online everywhere, and nobody hears otherwise.
    carol_on_a.close().await;
    assert!(
        bob_on_b
            .try_next_where(QUIET, |f| is_presence(f, &carol.id, "offline"))
            .await
            .is_none(),
        "carol announced offline while still connected to B"
    );
    for node in [a, b] {
        cluster
            .wait_online(node, &bob, &[&bob, &carol], PROMPTLY)
            .await;
    }
    carol_on_b.close().await;
    expect_presence(&mut bob_on_b, &carol.id, "offline", PROMPTLY).await;
    for node in [a, b] {
        cluster.wait_online(node, &bob, &[&bob], PROMPTLY).await;
    }
}

/// A node killed with SIGKILL says goodbye to nobody: the other node must notice its silence
/// within three presence heartbeats (plus slack) and take its users offline, but not the
/// users also connected to itself.
async fn a_killed_node_s_users_go_offline_within_the_heartbeat_timeout(bus: Bus) {
    let mut cluster = start(bus).await;
    let ada = cluster.register(&cluster.a, "ada").await;
    let bob = cluster.register(&cluster.b, "bob").await;
    let carol = cluster.register(&cluster.a, "carol").await;
    cluster
        .create_group(&cluster.a, &ada, &[&bob, &carol])
        .await;
    let mut bob_on_b = cluster.connect(&cluster.b, &bob, "desk").await;
    let _ada_on_a = cluster.connect(&cluster.a, &ada, "phone").await;
    let _carol_on_a = cluster.connect(&cluster.a, &carol, "phone").await;
    let _carol_on_b = cluster.connect(&cluster.b, &carol, "laptop").await;
    expect_presence(&mut bob_on_b, &ada.id, "online", PROMPTLY).await;
    cluster
        .wait_online(&cluster.b, &bob, &[&ada, &bob, &carol], PROMPTLY)
        .await;
    // A few heartbeats pass, so that B has heard A's snapshots, not just its changes.
    tokio::time::sleep(Duration::from_millis(3 * PRESENCE_HEARTBEAT_MS)).await;

    cluster.a.kill();
    let killed = Instant::now();
    let bound = Duration::from_millis(3 * PRESENCE_HEARTBEAT_MS) + SLACK;
    expect_presence(&mut bob_on_b, &ada.id, "offline", bound).await;
    eprintln!(
        "B announced ada offline {:?} after A was killed",
        killed.elapsed()
    );
    let left = bound.saturating_sub(killed.elapsed());
    cluster
        .wait_online(&cluster.b, &bob, &[&bob, &carol], left)
        .await;
    assert!(
        bob_on_b
            .try_next_where(QUIET, |f| is_presence(f, &carol.id, "offline"))
            .await
            .is_none(),
        "carol announced offline though still connected to B"
    );
    cluster
        .wait_online(&cluster.b, &bob, &[&bob, &carol], PROMPTLY)
        .await;
}

/// A node stopped with SIGTERM tells the others its users are gone: they go offline at once,
/// not after the dead-node timeout (set here to a minute and a half, so that only the
/// goodbye can explain a prompt offline).
async fn a_gracefully_stopped_node_s_users_go_offline_promptly(bus: Bus) {
    let mut cluster = Cluster::start(
        bus,
        &[("PALAVER__REALTIME__PRESENCE_HEARTBEAT_MS", "30000")],
    )
    .await;
    let ada = cluster.register(&cluster.a, "ada").await;
    let bob = cluster.register(&cluster.b, "bob").await;
    cluster.create_group(&cluster.a, &ada, &[&bob]).await;
    let mut bob_on_b = cluster.connect(&cluster.b, &bob, "desk").await;
    let _ada_on_a = cluster.connect(&cluster.a, &ada, "phone").await;
    expect_presence(&mut bob_on_b, &ada.id, "online", PROMPTLY).await;
    cluster
        .wait_online(&cluster.b, &bob, &[&ada, &bob], PROMPTLY)
        .await;

    let stopping = Instant::now();
    let status = cluster.a.terminate().await;
    assert!(
        status.success(),
        "node A after SIGTERM: {status}\n{}",
        cluster.a.logs()
    );
    expect_presence(&mut bob_on_b, &ada.id, "offline", PROMPTLY).await;
    eprintln!(
        "B announced ada offline {:?} after SIGTERM to A",
        stopping.elapsed()
    );
    cluster
        .wait_online(&cluster.b, &bob, &[&bob], PROMPTLY)
        .await;
}

/// Every scenario, as tests on one bus.
macro_rules! on_bus {
    ($module:ident, $bus:expr, $needs:literal) => {
        mod $module {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $needs]
            async fn messages_cross_nodes_in_order_exactly_once() {
                super::messages_cross_nodes_in_order_exactly_once($bus).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $needs]
            async fn typing_crosses_nodes() {
                super::typing_crosses_nodes($bus).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $needs]
            async fn presence_spans_both_nodes() {
                super::presence_spans_both_nodes($bus).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $needs]
            async fn a_killed_node_s_users_go_offline_within_the_heartbeat_timeout() {
                super::a_killed_node_s_users_go_offline_within_the_heartbeat_timeout($bus).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $needs]
            async fn a_gracefully_stopped_node_s_users_go_offline_promptly() {
                super::a_gracefully_stopped_node_s_users_go_offline_promptly($bus).await;
            }
        }
    };
}

on_bus!(
    redis_cluster,
    Bus::Redis,
    "needs Redis: set PALAVER_TEST_REDIS_URL (make test-servers runs it)"
);
on_bus!(
    nats_cluster,
    Bus::Nats,
    "needs NATS: set PALAVER_TEST_NATS_URL (make test-servers runs it)"
);
