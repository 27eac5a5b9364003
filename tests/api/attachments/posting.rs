use super::*;
use palaver_tests::TestServer;
use serde_json::json;

async fn send_with(
    server: &TestServer,
    who: &palaver_tests::Account,
    conversation: &str,
    body: serde_json::Value,
) -> palaver_tests::Reply {
    server
        .post(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&who.access_token),
            body,
        )
        .await
}

fn refused_on_attachment_ids(reply: &palaver_tests::Reply) {
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert_eq!(reply.code(), "validation_failed");
    assert!(
        reply.body["error"]["details"]["fields"]["attachment_ids"].is_string(),
        "{:?}",
        reply.body
    );
}

#[tokio::test]
async fn a_message_carries_its_attachments_everywhere_it_is_read() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut bob_ws = server.connect(&bob).await;
    let picture = uploaded(&server, &ada, "pic.png", &png()).await;
    let notes = uploaded(&server, &ada, "notes.txt", b"notes\n").await;

    // Content may be left out when there are attachments.
    let sent = send_with(
        &server,
        &ada,
        &group,
        json!({"attachment_ids": [notes, picture]}),
    )
    .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    assert_eq!(sent.body["content"], "");
    let mut expected: Vec<&str> = vec![picture.as_str(), notes.as_str()];
    expected.sort();
    let ids = |message: &serde_json::Value| -> Vec<String> {
        message["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&sent.body), expected);
    assert!(sent.body["attachments"][0]["filename"].is_string());

    let frame = bob_ws.next_of("message.created").await;
    assert_eq!(ids(&frame["message"]), expected);

    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&bob.access_token),
        )
        .await;
    assert_eq!(ids(&history.body["items"][0]), expected);
    let events = server.events(&bob, &group, 0).await;
    let created = events
        .iter()
        .find(|e| e["type"] == "message.created")
        .unwrap();
    assert_eq!(ids(&created["message"]), expected);

    // Over the WebSocket too, with empty content.
    let mut ada_ws = server.connect(&ada).await;
    let third = uploaded(&server, &ada, "c.txt", b"c\n").await;
    let ack = ada_ws
        .command(
            json!({"type": "message.send", "conversation_id": group, "client_id": "ws-1",
            "content": "", "attachment_ids": [third]}),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack:?}");
    assert_eq!(ids(&ack["message"]), [third]);

    // Without attachments, content is still required.
    let empty = send_with(&server, &ada, &group, json!({"content": "  "})).await;
    assert_eq!(empty.status, 400);
    let error = ada_ws
        .command(
            json!({"type": "message.send", "conversation_id": group, "client_id": "ws-2",
            "content": ""}),
        )
        .await;
    assert_eq!(error["type"], "error");
}

#[tokio::test]
async fn attachment_ids_must_be_the_senders_unposted_uploads_and_at_most_ten() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;

    let bobs = uploaded(&server, &bob, "b.txt", b"bob's\n").await;
    refused_on_attachment_ids(
        &send_with(
            &server,
            &ada,
            &group,
            json!({"content": "x", "attachment_ids": [bobs]}),
        )
        .await,
    );
    let missing = uuid::Uuid::new_v4().to_string();
    refused_on_attachment_ids(
        &send_with(
            &server,
            &ada,
            &group,
            json!({"content": "x", "attachment_ids": [missing]}),
        )
        .await,
    );

    let mine = uploaded(&server, &ada, "a.txt", b"ada's\n").await;
    let first = send_with(
        &server,
        &ada,
        &group,
        json!({"content": "one", "attachment_ids": [mine]}),
    )
    .await;
    assert_eq!(first.status, 201);
    refused_on_attachment_ids(
        &send_with(
            &server,
            &ada,
            &group,
            json!({"content": "two", "attachment_ids": [mine]}),
        )
        .await,
    );
    // A resend by client_id still answers with the first message.
    let again = send_with(&server, &ada, &group, json!({"content": "r", "client_id": "c-1", "attachment_ids": [uploaded(&server, &ada, "r.txt", b"r\n").await]})).await;
    assert_eq!(again.status, 201);
    let resent = send_with(&server, &ada, &group, json!({"content": "r", "client_id": "c-1", "attachment_ids": again.body["attachments"].as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>()})).await;
    assert_eq!(resent.status, 200, "{:?}", resent.body);
    assert_eq!(resent.body["id"], again.body["id"]);

    let mut eleven = Vec::new();
    for i in 0..11 {
        eleven.push(uploaded(&server, &ada, &format!("{i}.txt"), b"n\n").await);
    }
    refused_on_attachment_ids(
        &send_with(
            &server,
            &ada,
            &group,
            json!({"content": "x", "attachment_ids": eleven}),
        )
        .await,
    );
    // Nothing was posted by the refusals: ten of them go through.
    let ten = send_with(
        &server,
        &ada,
        &group,
        json!({"content": "x", "attachment_ids": eleven[..10]}),
    )
    .await;
    assert_eq!(ten.status, 201, "{:?}", ten.body);
    assert_eq!(ten.body["attachments"].as_array().unwrap().len(), 10);
    // The refused ones stay unreadable to bob.
    let (status, _, _) = fetch(
        &server,
        &bob,
        &format!("/api/attachments/{}", eleven[10]),
        &[],
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn deleting_a_message_deletes_its_attachments() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let id = uploaded(&server, &ada, "gone.txt", b"soon gone\n").await;
    let sent = send_with(
        &server,
        &ada,
        &group,
        json!({"content": "x", "attachment_ids": [id]}),
    )
    .await;
    let message = sent.body["id"].as_str().unwrap();
    let content = format!("/api/attachments/{id}/content");
    assert_eq!(fetch(&server, &bob, &content, &[]).await.0, 200);

    let deleted = server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/messages/{message}"),
            Some(&ada.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    for who in [&ada, &bob] {
        assert_eq!(fetch(&server, who, &content, &[]).await.0, 404);
        assert_eq!(
            fetch(&server, who, &format!("/api/attachments/{id}"), &[])
                .await
                .0,
            404
        );
    }
    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&bob.access_token),
        )
        .await;
    assert_eq!(history.body["items"][0]["attachments"], json!([]));
}
