//! The commands a client sends, each answered with an `ack` (or `pong`) carrying its
//! client_id: message.send, message.edit, message.delete, read and ping.

use super::helpers::{frames_before_marker, send_rest, send_ws, server, unread_count};
use palaver_tests::serde_json::json;

#[tokio::test]
async fn message_send_is_acked_with_the_stored_message() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let first = send_rest(&server, &bob, &conversation, "question?").await;
    let mut ada_phone = server.connect(&ada).await;

    let ack = ada_phone
        .command(json!({
            "type": "message.send",
            "conversation_id": conversation,
            "content": "  an answer  ",
            "client_id": "answer-1",
            "reply_to_id": first["id"],
        }))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["client_id"], "answer-1");
    let message = &ack["message"];
    assert_eq!(message["conversation_id"], json!(conversation));
    assert_eq!(message["sender_id"], json!(ada.id));
    assert_eq!(message["content"], "an answer", "trimmed as over REST");
    assert_eq!(message["client_id"], "answer-1");
    assert_eq!(message["reply_to_id"], first["id"]);
    assert_eq!(message["seq"], 2);
    assert!(message["created_at"].is_string());
    assert!(message["edited_at"].is_null() && message["deleted_at"].is_null());

    let stored = server
        .get(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(
        stored.body["items"][1], *message,
        "the ack is what was stored"
    );
}

#[tokio::test]
async fn a_resent_client_id_acks_the_same_message_and_creates_nothing() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    let send = json!({
        "type": "message.send",
        "conversation_id": conversation,
        "content": "only once",
        "client_id": "retry-me",
    });
    let first = ada_phone.command(send.clone()).await;
    assert_eq!(first["type"], "ack", "{first}");
    let again = ada_phone.command(send.clone()).await;
    assert_eq!(again["type"], "ack", "{again}");
    assert_eq!(again["client_id"], "retry-me");
    assert_eq!(again["message"]["id"], first["message"]["id"]);
    assert_eq!(again["message"]["seq"], first["message"]["seq"]);

    // Over REST, the same client_id is the same message too.
    let over_rest = server
        .send(&ada, &conversation, "only once", Some("retry-me"))
        .await;
    assert_eq!(over_rest.status, 200, "{:?}", over_rest.body);
    assert_eq!(over_rest.body["id"], first["message"]["id"]);

    // A resend from another device of the same user is the same message as well.
    let mut ada_laptop = server.connect(&ada).await;
    let from_laptop = ada_laptop.command(send).await;
    assert_eq!(from_laptop["message"]["id"], first["message"]["id"]);

    let seen = frames_before_marker(&server, &mut bob_phone, &ada, &conversation).await;
    let created: Vec<_> = seen
        .iter()
        .filter(|f| f["type"] == "message.created")
        .collect();
    assert_eq!(
        created.len(),
        1,
        "one message.created for one message: {seen:?}"
    );
    assert_eq!(created[0]["message"]["id"], first["message"]["id"]);
    let events = server.events(&ada, &conversation, 0).await;
    assert_eq!(events.len(), 2, "the message and the marker: {events:?}");
}

#[tokio::test]
async fn edit_and_delete_are_acked_and_checked_like_rest() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let sent = send_ws(&mut bob_phone, &conversation, "bob's words").await;
    let message_id = sent["message"]["id"].as_str().unwrap().to_owned();

    let edit = bob_phone
        .command(json!({
            "type": "message.edit",
            "message_id": message_id,
            "content": " better words ",
            "client_id": "edit-1",
        }))
        .await;
    assert_eq!(edit["type"], "ack", "{edit}");
    assert_eq!(edit["client_id"], "edit-1");
    assert_eq!(edit["message"]["id"], json!(message_id));
    assert_eq!(edit["message"]["content"], "better words");
    assert!(edit["message"]["edited_at"].is_string(), "{edit}");

    // Only the sender edits; the owner may delete.
    let not_hers = ada_phone
        .command(json!({
            "type": "message.edit",
            "message_id": message_id,
            "content": "ada's words",
            "client_id": "edit-2",
        }))
        .await;
    assert_eq!(not_hers["type"], "error", "{not_hers}");
    assert_eq!(not_hers["code"], "forbidden");
    assert_eq!(not_hers["client_id"], "edit-2");

    let unknown = bob_phone
        .command(json!({
            "type": "message.edit",
            "message_id": uuid::Uuid::new_v4(),
            "content": "into the void",
            "client_id": "edit-3",
        }))
        .await;
    assert_eq!(unknown["type"], "error", "{unknown}");
    assert_eq!(unknown["code"], "not_found");

    let removal = ada_phone
        .command(json!({
            "type": "message.delete",
            "message_id": message_id,
            "client_id": "delete-1",
        }))
        .await;
    assert_eq!(removal["type"], "ack", "{removal}");
    assert_eq!(removal["client_id"], "delete-1");
    assert!(removal["message"].is_null(), "{removal}");
    let gone = bob_phone.next_of("message.deleted").await;
    assert_eq!(gone["message_id"], json!(message_id));

    let again = bob_phone
        .command(json!({
            "type": "message.delete",
            "message_id": uuid::Uuid::new_v4(),
            "client_id": "delete-2",
        }))
        .await;
    assert_eq!(again["type"], "error", "{again}");
    assert_eq!(again["code"], "not_found");
    assert_eq!(again["client_id"], "delete-2");

    let tombstone = server
        .get(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&ada.access_token),
        )
        .await;
    assert!(tombstone.body["items"][0]["deleted_at"].is_string());
    assert!(tombstone.body["items"][0]["content"].is_null());
}

#[tokio::test]
async fn ping_is_answered_with_pong_and_its_client_id() {
    let server = server().await;
    let ada = server.register("ada").await;
    let mut client = server.connect(&ada).await;
    client
        .send_json(json!({ "type": "ping", "client_id": "p-1" }))
        .await;
    let pong = client.next_of("pong").await;
    assert_eq!(pong["client_id"], "p-1");
    client.send_json(json!({ "type": "ping" })).await;
    let pong = client.next_of("pong").await;
    assert!(pong["client_id"].is_null(), "{pong}");
}

#[tokio::test]
async fn read_moves_the_marker_and_the_members_hear_of_it() {
    let server = server().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let conversation = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    for text in ["one", "two", "three"] {
        send_rest(&server, &ada, &conversation, text).await;
    }
    assert_eq!(unread_count(&server, &bob, &conversation).await, 3);
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut bob_laptop = server.connect(&bob).await;
    let mut cyd_phone = server.connect(&cyd).await;

    let ack = bob_phone
        .command(json!({
            "type": "read",
            "conversation_id": conversation,
            "seq": 2,
            "client_id": "read-1",
        }))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["client_id"], "read-1");
    assert!(ack["message"].is_null());
    assert_eq!(unread_count(&server, &bob, &conversation).await, 1);
    assert_eq!(unread_count(&server, &cyd, &conversation).await, 3);

    for client in [&mut ada_phone, &mut cyd_phone, &mut bob_laptop] {
        let read = client.next_of("read").await;
        assert_eq!(read["conversation_id"], json!(conversation));
        assert_eq!(read["user_id"], json!(bob.id));
        assert_eq!(read["seq"], 2);
        assert!(read.get("client_id").is_none() || read["client_id"].is_null());
    }

    // Never backwards: an older seq is accepted, changes nothing, and is not announced.
    let back = bob_phone
        .command(json!({
            "type": "read",
            "conversation_id": conversation,
            "seq": 1,
            "client_id": "read-2",
        }))
        .await;
    assert_eq!(back["type"], "ack", "{back}");
    assert_eq!(unread_count(&server, &bob, &conversation).await, 1);
    let heard = frames_before_marker(&server, &mut cyd_phone, &ada, &conversation).await;
    assert!(
        heard.is_empty(),
        "a marker that did not move was announced: {heard:?}"
    );

    // Beyond the end of the log is a validation error.
    let beyond = bob_phone
        .command(json!({
            "type": "read",
            "conversation_id": conversation,
            "seq": 99,
            "client_id": "read-3",
        }))
        .await;
    assert_eq!(beyond["type"], "error", "{beyond}");
    assert_eq!(beyond["code"], "validation_failed");

    let all = bob_phone
        .command(json!({
            "type": "read",
            "conversation_id": conversation,
            "seq": 4,
            "client_id": "read-4",
        }))
        .await;
    assert_eq!(all["type"], "ack", "{all}");
    assert_eq!(unread_count(&server, &bob, &conversation).await, 0);
    let read = ada_phone.next_of("read").await;
    assert_eq!(read["seq"], 4);
}
