//! Bad input: each malformed, unknown or refused command gets an `error` frame with the
//! right code and the connection stays open; a frame over the size limit closes it (1009);
//! sends over the rate limit are refused with rate_limited.

use super::helpers::{assert_open, client_id, server, server_with};
use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Ended, WsClient};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// Sends raw text and returns the next `error` frame, then checks the connection is open.
async fn error_for(client: &mut WsClient, text: &str) -> Value {
    client.send(Message::text(text.to_owned())).await;
    let error = client.next_of("error").await;
    assert!(error["message"].is_string(), "{error}");
    assert_open(client).await;
    error
}

#[tokio::test]
async fn unreadable_frames_get_validation_errors_and_the_connection_stays_open() {
    let server = server().await;
    let ada = server.register("ada").await;
    let conversation = server.create_conversation(&ada, "group", &[]).await;
    let mut client = server.connect(&ada).await;

    for text in ["{not json", "[1, 2]", "\"ping\"", "42", ""] {
        let error = error_for(&mut client, text).await;
        assert_eq!(error["code"], "validation_failed", "{text:?}: {error}");
        assert!(error["client_id"].is_null(), "{text:?}: {error}");
    }

    let unknown = error_for(&mut client, r#"{"type": "dance", "client_id": "d-1"}"#).await;
    assert_eq!(unknown["code"], "validation_failed");
    assert_eq!(
        unknown["client_id"], "d-1",
        "a readable client_id is echoed"
    );
    assert!(
        unknown["details"]["fields"]["type"].is_string(),
        "{unknown}"
    );

    let untyped = error_for(&mut client, r#"{"client_id": "d-2"}"#).await;
    assert_eq!(untyped["code"], "validation_failed");
    assert_eq!(untyped["client_id"], "d-2");
    assert!(
        untyped["details"]["fields"]["type"].is_string(),
        "{untyped}"
    );

    let bad_client_id = error_for(&mut client, r#"{"type": "ping", "client_id": 7}"#).await;
    assert_eq!(bad_client_id["code"], "validation_failed");
    assert!(bad_client_id["client_id"].is_null());

    // Missing fields, each named.
    let cases = [
        (
            json!({"type": "message.send", "client_id": "m-1", "content": "hi"}),
            "conversation_id",
        ),
        (
            json!({"type": "message.send", "client_id": "m-2", "conversation_id": conversation}),
            "content",
        ),
        (
            json!({"type": "message.send", "conversation_id": conversation, "content": "hi"}),
            "client_id",
        ),
        (
            json!({"type": "message.edit", "client_id": "m-3", "content": "hi"}),
            "message_id",
        ),
        (
            json!({"type": "message.edit", "client_id": "m-4", "message_id": uuid::Uuid::new_v4()}),
            "content",
        ),
        (
            json!({"type": "message.delete", "client_id": "m-5"}),
            "message_id",
        ),
        (
            json!({"type": "typing", "client_id": "m-6", "conversation_id": conversation}),
            "is_typing",
        ),
        (
            json!({"type": "typing", "client_id": "m-7", "is_typing": true}),
            "conversation_id",
        ),
        (
            json!({"type": "read", "client_id": "m-8", "conversation_id": conversation}),
            "seq",
        ),
        (json!({"type": "sync", "client_id": "m-9"}), "cursors"),
    ];
    // Wrong types, each named.
    let wrong = [
        (
            json!({"type": "message.send", "client_id": "w-1", "conversation_id": "nope", "content": "hi"}),
            "conversation_id",
        ),
        (
            json!({"type": "message.send", "client_id": "w-2", "conversation_id": conversation, "content": 42}),
            "content",
        ),
        (
            json!({"type": "message.send", "client_id": "w-3", "conversation_id": conversation, "content": "   "}),
            "content",
        ),
        (
            json!({"type": "message.send", "client_id": "w-4", "conversation_id": conversation,
                   "content": "x".repeat(4001)}),
            "content",
        ),
        (
            json!({"type": "message.send", "client_id": "w-5", "conversation_id": conversation,
                   "content": "hi", "reply_to_id": 12}),
            "reply_to_id",
        ),
        (
            json!({"type": "message.delete", "client_id": "w-6", "message_id": 12}),
            "message_id",
        ),
        (
            json!({"type": "typing", "client_id": "w-7", "conversation_id": conversation, "is_typing": "yes"}),
            "is_typing",
        ),
        (
            json!({"type": "read", "client_id": "w-8", "conversation_id": conversation, "seq": "2"}),
            "seq",
        ),
        (
            json!({"type": "read", "client_id": "w-9", "conversation_id": conversation, "seq": -1}),
            "seq",
        ),
        (json!({"type": 7, "client_id": "w-10"}), "type"),
    ];
    for (frame, field) in cases.into_iter().chain(wrong) {
        let error = error_for(&mut client, &frame.to_string()).await;
        assert_eq!(error["type"], "error");
        assert_eq!(error["code"], "validation_failed", "{frame}: {error}");
        assert_eq!(error["client_id"], frame["client_id"], "{frame}: {error}");
        assert!(
            error["details"]["fields"][field].is_string(),
            "{frame} should name {field}: {error}"
        );
    }
    let nothing_sent = server.events(&ada, &conversation, 0).await;
    assert!(nothing_sent.is_empty(), "{nothing_sent:?}");
}

#[tokio::test]
async fn a_binary_frame_gets_an_error_and_the_connection_stays_open() {
    let server = server().await;
    let ada = server.register("ada").await;
    let mut client = server.connect(&ada).await;
    client
        .send(Message::binary(br#"{"type": "ping"}"#.to_vec()))
        .await;
    let error = client.next_of("error").await;
    assert_eq!(error["code"], "validation_failed", "{error}");
    assert!(error["client_id"].is_null());
    assert_open(&mut client).await;
}

#[tokio::test]
async fn conversations_beyond_the_users_reach_get_not_found_or_forbidden() {
    let server = server().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let channel = server.create_conversation(&ada, "channel", &[&bob]).await;
    let sent = server.send(&ada, &group, "members only", None).await;
    let message_id = sent.body["id"].clone();
    let mut eve_phone = server.connect(&eve).await;
    let mut bob_phone = server.connect(&bob).await;

    let nowhere = uuid::Uuid::new_v4().to_string();
    for conversation in [&group, &nowhere] {
        let commands = [
            json!({"type": "message.send", "conversation_id": conversation, "content": "hi"}),
            json!({"type": "typing", "conversation_id": conversation, "is_typing": true}),
            json!({"type": "read", "conversation_id": conversation, "seq": 0}),
        ];
        for mut command in commands {
            let id = client_id();
            command["client_id"] = json!(id);
            let error = eve_phone.command(command.clone()).await;
            assert_eq!(error["type"], "error", "{command}: {error}");
            assert_eq!(error["code"], "not_found", "{command}: {error}");
            assert_eq!(error["client_id"], json!(id));
        }
    }
    for command in [
        json!({"type": "message.edit", "message_id": message_id, "content": "mine now", "client_id": "e-1"}),
        json!({"type": "message.delete", "message_id": message_id, "client_id": "e-2"}),
    ] {
        let error = eve_phone.command(command.clone()).await;
        assert_eq!(error["type"], "error", "{command}: {error}");
        assert_eq!(error["code"], "not_found", "{command}: {error}");
    }
    assert_open(&mut eve_phone).await;

    // In a channel a plain member reads but does not post.
    let refused = bob_phone
        .command(json!({
            "type": "message.send",
            "conversation_id": channel,
            "content": "may I?",
            "client_id": "c-1",
        }))
        .await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "forbidden");
    assert_eq!(refused["client_id"], "c-1");
    let no_typing = bob_phone
        .command(json!({
            "type": "typing",
            "conversation_id": channel,
            "is_typing": true,
            "client_id": "c-2",
        }))
        .await;
    assert_eq!(no_typing["type"], "error", "{no_typing}");
    assert_eq!(no_typing["code"], "forbidden");
    assert_eq!(no_typing["client_id"], "c-2");
    // Reading is what members do there.
    let read = bob_phone
        .command(json!({
            "type": "read",
            "conversation_id": channel,
            "seq": 0,
            "client_id": "c-3",
        }))
        .await;
    assert_eq!(read["type"], "ack", "{read}");
    assert_open(&mut bob_phone).await;
    assert!(server.events(&ada, &channel, 0).await.is_empty());
    assert_eq!(server.events(&ada, &group, 0).await.len(), 1);
}

#[tokio::test]
async fn a_frame_over_64_kib_closes_the_connection_with_1009() {
    let server = server().await;
    let ada = server.register("ada").await;
    let mut client = server.connect(&ada).await;
    let content = "x".repeat(70 * 1024);
    client
        .send_json(json!({"type": "ping", "client_id": content}))
        .await;
    assert_eq!(
        client.ended(Duration::from_secs(10)).await,
        Ended::Closed(1009)
    );

    // A message in fragments, each small, over the limit in all, is too large as well.
    let mut client = server.connect(&ada).await;
    let piece = vec![b'x'; 30 * 1024];
    client
        .send(Message::Frame(Frame::message(
            piece.clone(),
            OpCode::Data(Data::Text),
            false,
        )))
        .await;
    for last in [false, true] {
        client
            .send(Message::Frame(Frame::message(
                piece.clone(),
                OpCode::Data(Data::Continue),
                last,
            )))
            .await;
    }
    assert_eq!(
        client.ended(Duration::from_secs(10)).await,
        Ended::Closed(1009)
    );

    // Just under the limit is fine.
    let mut client = server.connect(&ada).await;
    let content = "x".repeat(60 * 1024);
    client
        .send_json(json!({"type": "ping", "client_id": content}))
        .await;
    let pong = client.next_of("pong").await;
    assert_eq!(pong["client_id"].as_str().map(str::len), Some(60 * 1024));
}

#[tokio::test]
async fn sends_over_the_rate_limit_get_rate_limited_with_retry_after() {
    let server = server_with(&[
        ("PALAVER__LIMITS__SENDS_PER_SECOND", "1"),
        ("PALAVER__LIMITS__SEND_BURST", "2"),
    ])
    .await;
    let ada = server.register("ada").await;
    let conversation = server.create_conversation(&ada, "group", &[]).await;
    let mut client = server.connect(&ada).await;
    let frame = |n: usize| {
        json!({
            "type": "message.send",
            "conversation_id": conversation,
            "content": format!("message {n}"),
            "client_id": format!("burst-{n}"),
        })
    };
    // All three go out before any answer is read: the burst is spent at once.
    for n in 1..=3 {
        client.send_json(frame(n)).await;
    }
    // Sends in flight are answered as each completes, each with its own client_id.
    let mut answers = Vec::new();
    while answers.len() < 3 {
        let answer = client.next().await;
        if matches!(answer["type"].as_str(), Some("ack" | "error")) {
            answers.push(answer);
        }
    }
    answers.sort_by_key(|answer| answer["client_id"].as_str().map(str::to_owned));
    assert_eq!(answers[0]["type"], "ack", "{answers:?}");
    assert_eq!(answers[1]["type"], "ack", "{answers:?}");
    let limited = &answers[2];
    assert_eq!(limited["type"], "error", "{limited}");
    assert_eq!(limited["code"], "rate_limited");
    assert_eq!(limited["client_id"], "burst-3");
    let retry = limited["details"]["retry_after_ms"]
        .as_u64()
        .unwrap_or_else(|| panic!("retry_after_ms: {limited}"));
    assert!(retry > 0 && retry <= 1000, "{limited}");
    assert_open(&mut client).await;

    // After waiting as told, the send goes through; a resend of a stored message is
    // answered even when over the limit.
    tokio::time::sleep(Duration::from_millis(retry + 50)).await;
    let later = client.command(frame(3)).await;
    assert_eq!(later["type"], "ack", "{later}");
    let resend = client.command(frame(1)).await;
    assert_eq!(resend["type"], "ack", "{resend}");
    assert_eq!(resend["message"]["content"], "message 1");
}
