//! NUL and other control characters in free text: refused with 400 naming the field, the
//! same on every backend, and nothing is stored.

use palaver_tests::{Account, TestServer};
use reqwest::Method;
use serde_json::json;

const BAD_TEXTS: [&str; 4] = ["a\u{0}b", "bell\u{7}", "esc\u{1b}[31m", "cr\rlf"];

async fn message_count(server: &TestServer, reader: &Account, conversation: &str) -> usize {
    let reply = server
        .get(
            &format!("/api/conversations/{conversation}/messages?limit=100"),
            Some(&reader.access_token),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["items"].as_array().unwrap().len()
}

fn assert_refused(reply: &palaver_tests::Reply, field: &str, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {:?}", reply.body);
    assert_eq!(reply.code(), "validation_failed", "{what}");
    assert!(
        reply.body["error"]["details"]["fields"][field].is_string(),
        "{what}: {:?}",
        reply.body
    );
}

#[tokio::test]
async fn control_characters_in_sent_and_edited_content_are_refused_and_not_stored() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let conversation = server.create_conversation(&ada, "group", &[]).await;
    let kept = server.send(&ada, &conversation, "kept", None).await;
    assert_eq!(kept.status, 201);
    let kept_id = kept.body["id"].as_str().unwrap().to_owned();

    for bad in BAD_TEXTS {
        let sent = server.send(&ada, &conversation, bad, Some("c-1")).await;
        assert_refused(&sent, "content", &format!("send {bad:?}"));
        let edited = server
            .call(
                Method::PATCH,
                &format!("/api/messages/{kept_id}"),
                Some(&ada.access_token),
                Some(json!({ "content": bad })),
            )
            .await;
        assert_refused(&edited, "content", &format!("edit {bad:?}"));
    }
    assert_eq!(message_count(&server, &ada, &conversation).await, 1);
    let message = server
        .get(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(message.body["items"][0]["content"], "kept");
    assert!(message.body["items"][0]["edited_at"].is_null());

    // Tabs and newlines are text.
    let multiline = server
        .send(&ada, &conversation, "one\n\ttwo", Some("c-1"))
        .await;
    assert_eq!(multiline.status, 201, "{:?}", multiline.body);
    assert_eq!(multiline.body["content"], "one\n\ttwo");
}

#[tokio::test]
async fn control_characters_over_the_websocket_are_refused_and_not_stored() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let conversation = server.create_conversation(&ada, "group", &[]).await;
    let mut client = server.connect(&ada).await;
    for (n, bad) in BAD_TEXTS.iter().enumerate() {
        let answer = client
            .command(json!({
                "type": "message.send",
                "conversation_id": conversation,
                "content": bad,
                "client_id": format!("ws-{n}"),
            }))
            .await;
        assert_eq!(answer["type"], "error", "{bad:?}: {answer}");
        assert_eq!(answer["code"], "validation_failed", "{bad:?}: {answer}");
        assert!(
            answer["details"]["fields"]["content"].is_string(),
            "{answer}"
        );
    }
    assert_eq!(message_count(&server, &ada, &conversation).await, 0);
}

#[tokio::test]
async fn control_characters_in_names_and_queries_are_refused() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    server
        .send(
            &ada,
            &server.create_conversation(&ada, "group", &[]).await,
            "ab",
            None,
        )
        .await;
    for path in [
        "/api/users?q=a%00b",
        "/api/users?q=a%07b",
        "/api/search/messages?q=a%00b",
        "/api/search/messages?q=a%1Bb",
    ] {
        let reply = server.get(path, Some(&ada.access_token)).await;
        assert_refused(&reply, "q", path);
    }
    // FTS syntax is searched for as text, never parsed.
    for path in [
        "/api/search/messages?q=%22",
        "/api/search/messages?q=NEAR(a%20b)%20OR%20*",
        "/api/search/messages?q=%22ab",
    ] {
        let reply = server.get(path, Some(&ada.access_token)).await;
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    }

    let group = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "group", "name": "a\u{0}b", "member_ids": [] }),
        )
        .await;
    assert_refused(&group, "name", "conversation name");
    let profile = server
        .call(
            Method::PATCH,
            "/api/users/me",
            Some(&ada.access_token),
            Some(json!({ "first_name": "a\u{0}b" })),
        )
        .await;
    assert_refused(&profile, "first_name", "first name");
    let listed = server
        .get("/api/conversations", Some(&ada.access_token))
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}
