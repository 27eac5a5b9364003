//! A client that cannot keep up is closed with 1008, and nobody else is slowed down.

use super::helpers::{client_id, send_rest, server_with, ws_base};
use futures_util::future::join_all;
use palaver_tests::serde_json::json;
use palaver_tests::{Ended, ws};
use std::collections::HashSet;
use std::time::Duration;

const QUICK: [(&str, &str); 3] = [
    ("PALAVER__REALTIME__OUTBOUND_QUEUE", "16"),
    ("PALAVER__LIMITS__SENDS_PER_SECOND", "100000"),
    ("PALAVER__LIMITS__SEND_BURST", "100000"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_with_1008_and_the_others_get_everything() {
    const MESSAGES: usize = 1500;
    const WRITERS: usize = 4;
    let server = server_with(&QUICK).await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let conversation = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let mut fast = server.connect(&bob).await;
    // Cyd's only connection: a tiny receive buffer, and nobody reads it.
    let mut slow = ws::connect_small_buffer(&server.ws_url(&cyd.access_token)).await;

    let padding = "x".repeat(3990);
    let writer = |w: usize| {
        let (server, ada, conversation, padding) = (&server, &ada, &conversation, &padding);
        async move {
            for n in (w..MESSAGES).step_by(WRITERS) {
                send_rest(server, ada, conversation, &format!("{n:04} {padding}")).await;
            }
        }
    };
    // The slow client is read only once it has been closed: Cyd going offline says so.
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let read_fast = async {
        let mut closed_tx = Some(closed_tx);
        let mut seqs = Vec::new();
        let mut contents = HashSet::new();
        while seqs.len() < MESSAGES {
            let frame = fast.next().await;
            match frame["type"].as_str() {
                Some("message.created") => {
                    seqs.push(frame["seq"].as_i64().unwrap());
                    let content = frame["message"]["content"].as_str().unwrap();
                    contents.insert(content[..4].to_owned());
                }
                Some("presence")
                    if frame["user_id"] == json!(cyd.id) && frame["status"] == "offline" =>
                {
                    if let Some(tx) = closed_tx.take() {
                        let _ = tx.send(());
                    }
                }
                _ => {}
            }
        }
        (seqs, contents)
    };
    let read_slow = async {
        // If Cyd was never announced offline, read anyway once the flood is through.
        let _ = closed_rx.await;
        slow.ended(Duration::from_secs(60)).await
    };
    let ((seqs, contents), ended, _) =
        tokio::join!(read_fast, read_slow, join_all((0..WRITERS).map(writer)));

    let expected: Vec<i64> = (1..=MESSAGES as i64).collect();
    assert!(
        seqs == expected,
        "the fast client's seqs are not 1..={MESSAGES} in order"
    );
    assert_eq!(contents.len(), MESSAGES, "every message, once");
    assert_eq!(ended, Ended::Closed(1008));
    let online = server
        .get("/api/users/online", Some(&bob.access_token))
        .await;
    let ids: Vec<_> = online.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].clone())
        .collect();
    assert!(
        !ids.contains(&json!(cyd.id)),
        "the slow client is gone: {ids:?}"
    );
    assert!(
        ids.contains(&json!(bob.id)),
        "the fast client is not: {ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_many_commands_at_once_that_reads_is_not_too_slow() {
    const MESSAGES: usize = 200;
    // Fewer slots than messages, so a client that reads must have its frames moved to the
    // backlog; more than 16, because the hub fans out on threads of its own and a burst
    // can land while this connection's task is not running.
    let server = server_with(&[
        ("PALAVER__REALTIME__OUTBOUND_QUEUE", "128"),
        QUICK[1],
        QUICK[2],
    ])
    .await;
    let ada = server.register("ada").await;
    let conversation = server.create_conversation(&ada, "group", &[]).await;
    let mut client = ws::connect(&ws_base(&server), Some(&ada.access_token))
        .await
        .expect("the upgrade");
    assert_eq!(client.next().await["type"], "ready");

    // Many sends in flight at once, as a client flushing its outbox does; the client
    // reads everything that comes back as fast as it can.
    for n in 0..MESSAGES {
        client
            .send_json(json!({
                "type": "message.send",
                "conversation_id": conversation,
                "content": format!("outbox {n}"),
                "client_id": client_id(),
            }))
            .await;
    }
    let (mut acks, mut created) = (0, 0);
    while acks < MESSAGES || created < MESSAGES {
        let frame = client.next().await;
        match frame["type"].as_str() {
            Some("ack") => acks += 1,
            Some("message.created") => created += 1,
            other => panic!("unexpected {other:?}: {frame}"),
        }
    }
    assert_eq!(server.events(&ada, &conversation, 0).await.len(), MESSAGES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_syncing_while_live_events_arrive_is_not_too_slow() {
    const BEFORE: usize = 2000;
    const DURING: usize = 200;
    let server = server_with(&QUICK).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let writers = |count: usize, tag: &'static str| {
        let (server, ada, conversation) = (&server, &ada, &conversation);
        join_all((0..4).map(move |w| async move {
            for n in (w..count).step_by(4) {
                send_rest(server, ada, conversation, &format!("{tag} {n}")).await;
            }
        }))
    };
    writers(BEFORE, "before").await;
    let mut client = server.connect(&bob).await;

    // The client reads all the while; the server reads the log while live events come.
    client
        .send_json(json!({ "type": "sync", "client_id": "s-1", "cursors": { &conversation: 0 } }))
        .await;
    let total = (BEFORE + DURING) as i64;
    let read = async {
        let mut seqs = Vec::new();
        while seqs.last() != Some(&total) {
            let frame = client.next().await;
            if frame["type"] == "message.created" {
                seqs.push(frame["seq"].as_i64().unwrap());
            }
        }
        seqs
    };
    let (seqs, _) = tokio::join!(read, writers(DURING, "during"));
    assert!(
        seqs == (1..=total).collect::<Vec<_>>(),
        "every event once, in order"
    );
}
