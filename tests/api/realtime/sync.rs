//! `sync`: every event after each cursor, in order, then `synced`; live events meanwhile
//! are neither lost nor doubled; conversations the user is not in and bad cursors are
//! errors.

use super::helpers::{frames_before_marker, patch, send_rest, server};
use futures_util::future::join_all;
use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Account, TestServer, WsClient};

/// Frames until `synced` (which is returned last), with its client_id checked.
async fn until_synced(client: &mut WsClient, client_id: &str) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = client.next().await;
        let done = frame["type"] == "synced";
        if frame["type"] != "presence" {
            frames.push(frame);
        }
        if done {
            assert_eq!(frames.last().unwrap()["client_id"], client_id);
            return frames;
        }
    }
}

/// Sends `count` messages from `from`, `writers` at a time; returns their seqs.
async fn write_concurrently(
    server: &TestServer,
    from: &Account,
    conversation: &str,
    writers: usize,
    count: usize,
    tag: &str,
) -> Vec<i64> {
    let writer = |w: usize| async move {
        let mut seqs = Vec::new();
        for n in (w..count).step_by(writers) {
            let sent = send_rest(server, from, conversation, &format!("{tag} {n}")).await;
            seqs.push(sent["seq"].as_i64().expect("seq"));
        }
        seqs
    };
    join_all((0..writers).map(writer))
        .await
        .into_iter()
        .flatten()
        .collect()
}

#[tokio::test]
async fn sync_sends_every_event_after_each_cursor_in_order_then_synced() {
    let server = server().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let busy = server.create_conversation(&ada, "group", &[&bob]).await;
    let quiet = server.create_conversation(&bob, "group", &[&ada]).await;
    let untouched = server.create_conversation(&bob, "group", &[&ada]).await;
    for n in 1..=4 {
        send_rest(&server, &ada, &busy, &format!("busy {n}")).await;
    }
    let first = send_rest(&server, &bob, &busy, "to edit").await;
    let edited = patch(
        &server,
        &bob,
        &format!("/api/messages/{}", first["id"].as_str().unwrap()),
        json!({ "content": "edited" }),
    )
    .await;
    assert_eq!(edited.status, 200);
    let added = server
        .post(
            &format!("/api/conversations/{busy}/members"),
            Some(&ada.access_token),
            json!({ "user_ids": [cyd.id] }),
        )
        .await;
    assert!(added.status < 300, "{:?}", added.body);
    patch(
        &server,
        &ada,
        &format!("/api/conversations/{busy}"),
        json!({ "name": "renamed" }),
    )
    .await;
    send_rest(&server, &bob, &quiet, "quiet 1").await;
    send_rest(&server, &bob, &quiet, "quiet 2").await;
    // busy: 8 events, quiet: 2, untouched: 0.

    let mut client = server.connect(&ada).await;
    client
        .send_json(json!({
            "type": "sync",
            "client_id": "s-1",
            "cursors": { &busy: 2, &quiet: 0, &untouched: 0 },
        }))
        .await;
    let frames = until_synced(&mut client, "s-1").await;
    let (synced, events) = frames.split_last().unwrap();
    assert_eq!(synced["type"], "synced");
    assert_eq!(
        synced["cursors"],
        json!({ &busy: 8, &quiet: 2, &untouched: 0 }),
        "{synced}"
    );

    let of = |conversation: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["conversation_id"] == conversation)
            .cloned()
            .collect()
    };
    assert_eq!(
        events.len(),
        of(&busy).len() + of(&quiet).len(),
        "{events:?}"
    );
    assert_eq!(
        of(&busy),
        server.events(&ada, &busy, 2).await,
        "as the log has them"
    );
    assert_eq!(of(&quiet), server.events(&ada, &quiet, 0).await);
    let busy_events = of(&busy);
    let kinds: Vec<&str> = busy_events
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "message.created",
            "message.created",
            "message.created",
            "message.updated",
            "member.joined",
            "conversation.updated"
        ]
    );
    let seqs: Vec<i64> = busy_events
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5, 6, 7, 8]);

    // A sync at the head sends nothing but synced; later events come live, once.
    client
        .send_json(json!({ "type": "sync", "client_id": "s-2", "cursors": { &busy: 8 } }))
        .await;
    let frames = until_synced(&mut client, "s-2").await;
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0]["cursors"], json!({ &busy: 8 }));
    let live = send_rest(&server, &bob, &busy, "live").await;
    let seen = frames_before_marker(&server, &mut client, &bob, &busy).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["message"]["id"], live["id"]);
}

#[tokio::test]
async fn a_sync_naming_a_foreign_conversation_errs_for_it_and_still_ends_with_synced() {
    let server = server().await;
    let (ada, eve) = (server.register("ada").await, server.register("eve").await);
    let mine = server.create_conversation(&ada, "group", &[]).await;
    let hers = server.create_conversation(&eve, "group", &[]).await;
    send_rest(&server, &ada, &mine, "mine").await;
    send_rest(&server, &eve, &hers, "hers").await;
    let nowhere = uuid::Uuid::new_v4().to_string();
    let mut client = server.connect(&ada).await;

    client
        .send_json(json!({
            "type": "sync",
            "client_id": "s-1",
            "cursors": { &hers: 0, &mine: 0, &nowhere: 0 },
        }))
        .await;
    let frames = until_synced(&mut client, "s-1").await;
    let (synced, before) = frames.split_last().unwrap();
    assert_eq!(synced["cursors"], json!({ &mine: 1 }), "{synced}");
    let errors: Vec<&Value> = before.iter().filter(|f| f["type"] == "error").collect();
    assert_eq!(errors.len(), 2, "{before:?}");
    let mut named: Vec<&str> = Vec::new();
    for error in errors {
        assert_eq!(error["code"], "not_found", "{error}");
        assert_eq!(error["client_id"], "s-1");
        named.push(error["details"]["conversation_id"].as_str().unwrap_or("?"));
    }
    named.sort_unstable();
    let mut expected = [hers.as_str(), nowhere.as_str()];
    expected.sort_unstable();
    assert_eq!(named, expected);
    let events: Vec<&Value> = before.iter().filter(|f| f["type"] != "error").collect();
    assert_eq!(events.len(), 1, "{before:?}");
    assert_eq!(events[0]["conversation_id"], json!(mine));
    assert_eq!(events[0]["message"]["content"], "mine");
}

#[tokio::test]
async fn bad_cursors_get_validation_failed_and_no_synced() {
    let server = server().await;
    let ada = server.register("ada").await;
    let mine = server.create_conversation(&ada, "group", &[]).await;
    let mut client = server.connect(&ada).await;
    let bad = [
        json!([]),
        json!("all"),
        json!(0),
        json!({ "nope": 1 }),
        json!({ &mine: -1 }),
        json!({ &mine: "3" }),
        json!({ &mine: 1.5 }),
        json!({ &mine: null }),
    ];
    for cursors in bad {
        client
            .send_json(json!({ "type": "sync", "client_id": "bad", "cursors": cursors }))
            .await;
        client
            .send_json(json!({ "type": "ping", "client_id": "after" }))
            .await;
        let mut answers = Vec::new();
        loop {
            let frame = client.next().await;
            if frame["type"] == "pong" {
                break;
            }
            answers.push(frame);
        }
        assert_eq!(answers.len(), 1, "{cursors}: {answers:?}");
        assert_eq!(answers[0]["type"], "error", "{cursors}: {answers:?}");
        assert_eq!(answers[0]["code"], "validation_failed");
        assert_eq!(answers[0]["client_id"], "bad");
        assert!(answers[0]["details"]["fields"]["cursors"].is_string());
    }
}

#[tokio::test]
async fn events_written_during_a_sync_are_neither_lost_nor_doubled() {
    const BEFORE: usize = 400;
    const DURING: usize = 300;
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    write_concurrently(&server, &ada, &conversation, 4, BEFORE, "before").await;
    let mut client = server.connect(&bob).await;

    client
        .send_json(json!({ "type": "sync", "client_id": "s-1", "cursors": { &conversation: 0 } }))
        .await;
    let total = (BEFORE + DURING) as i64;
    let read = async {
        let mut seqs = Vec::new();
        let mut synced = None;
        while synced.is_none() || seqs.last() != Some(&total) {
            let frame = client.next().await;
            match frame["type"].as_str() {
                Some("message.created") => {
                    assert_eq!(frame["conversation_id"], json!(conversation));
                    seqs.push(frame["seq"].as_i64().unwrap());
                }
                Some("synced") => synced = Some(frame),
                _ => {}
            }
        }
        (seqs, synced.unwrap())
    };
    let write = write_concurrently(&server, &ada, &conversation, 3, DURING, "during");
    let ((seqs, synced), written) = tokio::join!(read, write);
    assert_eq!(written.len(), DURING);
    assert_eq!(synced["client_id"], "s-1");
    let reached = synced["cursors"][&conversation].as_i64().unwrap();
    assert!(
        (BEFORE as i64..=total).contains(&reached),
        "synced at {reached}"
    );
    let expected: Vec<i64> = (1..=total).collect();
    if seqs != expected {
        let mut doubled = seqs.clone();
        doubled.sort_unstable();
        doubled.dedup();
        panic!(
            "{} frames for {} events ({} distinct); first out of place at index {:?}",
            seqs.len(),
            total,
            doubled.len(),
            seqs.iter().zip(&expected).position(|(a, b)| a != b)
        );
    }
    // Nothing else trails behind.
    let trailing = frames_before_marker(&server, &mut client, &ada, &conversation).await;
    assert!(trailing.is_empty(), "after the sync: {trailing:?}");
}

/// A live event arrives before the client syncs from an older cursor: the sync sends every
/// event the connection has not sent, each once, and nothing it has.
#[tokio::test]
async fn a_sync_from_before_a_live_event_sends_every_earlier_event_once() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    for n in 1..=3 {
        send_rest(&server, &ada, &conversation, &format!("old {n}")).await;
    }
    for cursor in [0, 1] {
        let mut client = server.connect(&bob).await;
        let live = send_rest(&server, &ada, &conversation, "live").await;
        let head = live["seq"].as_i64().unwrap();
        let frame = client.next_of("message.created").await;
        assert_eq!(frame["seq"], head, "the live event first: {frame}");
        let id = format!("s-{cursor}");
        client
            .send_json(
                json!({ "type": "sync", "client_id": id, "cursors": { &conversation: cursor } }),
            )
            .await;
        let frames = until_synced(&mut client, &id).await;
        let (synced, events) = frames.split_last().unwrap();
        let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        let expected: Vec<i64> = (cursor + 1..head).collect();
        assert_eq!(seqs, expected, "sync from {cursor} after live {head}");
        assert_eq!(synced["cursors"][&conversation], head, "{synced}");
        // Nothing more: the next change is the only frame before the marker.
        let seen = frames_before_marker(&server, &mut client, &ada, &conversation).await;
        assert!(seen.is_empty(), "after the sync from {cursor}: {seen:?}");
    }
}
