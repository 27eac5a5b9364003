//! Message events reach every online member's every connection, the sender's other devices
//! included, whether the change came over REST or WebSocket; strangers hear nothing.

use super::helpers::{
    client_id, delete, frames_before_marker, patch, send_rest, send_ws, server, solo_group,
};
use palaver_tests::WsClient;
use palaver_tests::serde_json::{Value, json};

/// Every client gets the same frame of type `kind`; returns it.
async fn all_get(clients: &mut [&mut WsClient], kind: &str) -> Value {
    let mut first: Option<Value> = None;
    for client in clients.iter_mut() {
        let frame = client.next_of(kind).await;
        if let Some(first) = &first {
            assert_eq!(&frame, first, "every connection gets the same {kind}");
        }
        first = Some(frame);
    }
    first.expect("at least one client")
}

#[tokio::test]
async fn changes_over_rest_reach_every_connection_of_every_member() {
    let server = server().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let conversation = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let mut ada_phone = server.connect(&ada).await;
    let mut ada_laptop = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut cyd_phone = server.connect(&cyd).await;
    let mut everyone = [
        &mut ada_phone,
        &mut ada_laptop,
        &mut bob_phone,
        &mut cyd_phone,
    ];

    let sent = send_rest(&server, &ada, &conversation, "first draft").await;
    let message_id = sent["id"].as_str().unwrap().to_owned();
    let created = all_get(&mut everyone, "message.created").await;
    assert_eq!(created["conversation_id"], json!(conversation));
    assert_eq!(created["seq"], sent["seq"]);
    assert_eq!(created["message"]["id"], json!(message_id));
    assert_eq!(created["message"]["sender_id"], json!(ada.id));
    assert_eq!(created["message"]["content"], "first draft");

    let edited = patch(
        &server,
        &ada,
        &format!("/api/messages/{message_id}"),
        json!({ "content": "final text" }),
    )
    .await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    let updated = all_get(&mut everyone, "message.updated").await;
    assert_eq!(updated["conversation_id"], json!(conversation));
    assert_eq!(updated["seq"], 2);
    assert_eq!(updated["message"]["id"], json!(message_id));
    assert_eq!(updated["message"]["content"], "final text");
    assert!(updated["message"]["edited_at"].is_string(), "{updated}");

    let deleted = delete(&server, &ada, &format!("/api/messages/{message_id}"), None).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    let gone = all_get(&mut everyone, "message.deleted").await;
    assert_eq!(gone["conversation_id"], json!(conversation));
    assert_eq!(gone["seq"], 3);
    assert_eq!(gone["message_id"], json!(message_id));
}

#[tokio::test]
async fn changes_over_websocket_reach_every_connection_of_every_member() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut ada_laptop = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    let ack = send_ws(&mut ada_phone, &conversation, "from the phone").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let message_id = ack["message"]["id"].as_str().unwrap().to_owned();
    {
        let mut everyone = [&mut ada_phone, &mut ada_laptop, &mut bob_phone];
        let created = all_get(&mut everyone, "message.created").await;
        assert_eq!(created["conversation_id"], json!(conversation));
        assert_eq!(created["seq"], 1);
        assert_eq!(created["message"], ack["message"]);
    }

    let edit = ada_laptop
        .command(json!({
            "type": "message.edit",
            "message_id": message_id,
            "content": "edited on the laptop",
            "client_id": client_id(),
        }))
        .await;
    assert_eq!(edit["type"], "ack", "{edit}");
    let mut everyone = [&mut ada_phone, &mut ada_laptop, &mut bob_phone];
    let updated = all_get(&mut everyone, "message.updated").await;
    assert_eq!(updated["seq"], 2);
    assert_eq!(updated["message"]["content"], "edited on the laptop");

    let removal = ada_phone
        .command(json!({
            "type": "message.delete",
            "message_id": message_id,
            "client_id": client_id(),
        }))
        .await;
    assert_eq!(removal["type"], "ack", "{removal}");
    let mut everyone = [&mut ada_phone, &mut ada_laptop, &mut bob_phone];
    let gone = all_get(&mut everyone, "message.deleted").await;
    assert_eq!(gone["seq"], 3);
    assert_eq!(gone["message_id"], json!(message_id));

    // Bob's reply over REST reaches Ada's devices too.
    let reply = send_rest(&server, &bob, &conversation, "from bob").await;
    let mut everyone = [&mut ada_phone, &mut ada_laptop, &mut bob_phone];
    let created = all_get(&mut everyone, "message.created").await;
    assert_eq!(created["message"]["id"], reply["id"]);
    assert_eq!(created["seq"], 4);
}

#[tokio::test]
async fn strangers_hear_nothing_of_a_conversation() {
    let server = server().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let direct = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "direct", "member_ids": [bob.id] }),
        )
        .await;
    assert_eq!(direct.status, 201, "{:?}", direct.body);
    let direct = direct.body["id"].as_str().unwrap().to_owned();
    let eves_own = solo_group(&server, &eve).await;
    let mut eve_phone = server.connect(&eve).await;
    let mut bob_phone = server.connect(&bob).await;

    let sent = send_rest(&server, &ada, &conversation, "for members").await;
    let message_id = sent["id"].as_str().unwrap();
    patch(
        &server,
        &ada,
        &format!("/api/messages/{message_id}"),
        json!({ "content": "still for members" }),
    )
    .await;
    delete(&server, &ada, &format!("/api/messages/{message_id}"), None).await;
    send_rest(&server, &ada, &direct, "between two").await;
    patch(
        &server,
        &ada,
        &format!("/api/conversations/{conversation}"),
        json!({ "name": "renamed" }),
    )
    .await;

    // Bob, a member, saw all of it; Eve saw none of it.
    let bobs = frames_before_marker(&server, &mut bob_phone, &ada, &conversation).await;
    // Order holds per conversation; two conversations' events may interleave either way.
    let kinds_in = |id: &str| -> Vec<&str> {
        bobs.iter()
            .filter(|f| f["conversation_id"] == id)
            .filter_map(|f| f["type"].as_str())
            .collect()
    };
    assert_eq!(
        kinds_in(&conversation),
        [
            "message.created",
            "message.updated",
            "message.deleted",
            "conversation.updated"
        ],
        "{bobs:?}"
    );
    assert_eq!(kinds_in(&direct), ["message.created"], "{bobs:?}");
    assert_eq!(bobs.len(), 5, "{bobs:?}");
    let eves = frames_before_marker(&server, &mut eve_phone, &eve, &eves_own).await;
    // Her own group's conversation.created may still be on its way when she connects;
    // nothing of Ada's conversations may reach her.
    let strange: Vec<&serde_json::Value> = eves
        .iter()
        .filter(|f| {
            !(f["type"] == "conversation.created" && f["conversation"]["id"] == eves_own.as_str())
        })
        .collect();
    assert!(strange.is_empty(), "a stranger got {strange:?}");
}
