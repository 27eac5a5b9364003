//! Reactions, threads, pins, mentions, delivery markers and search filters (v1.1).

mod delivery;
mod mentions;
mod pins;
mod reactions;
mod search;
mod threads;

use palaver_tests::serde_json::Value;
use palaver_tests::{Account, Reply, TestServer};
use reqwest::Method;

pub async fn call(server: &TestServer, method: Method, by: &Account, path: &str) -> Reply {
    server
        .call(method, path, Some(&by.access_token), None)
        .await
}

/// Sends `content`, in `root`'s thread when given; the reply.
pub async fn send_in(
    server: &TestServer,
    from: &Account,
    conversation: &str,
    content: &str,
    root: Option<&str>,
) -> Reply {
    let mut body = palaver_tests::serde_json::json!({ "content": content });
    if let Some(root) = root {
        body["thread_root_id"] = root.into();
    }
    server
        .post(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&from.access_token),
            body,
        )
        .await
}

/// The id of a message just sent (201 checked).
pub async fn said(
    server: &TestServer,
    from: &Account,
    conversation: &str,
    content: &str,
) -> String {
    let reply = send_in(server, from, conversation, content, None).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    id_of(&reply.body)
}

pub fn id_of(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

/// The messages of a conversation's newest page.
pub async fn messages(server: &TestServer, reader: &Account, conversation: &str) -> Vec<Value> {
    let reply = server
        .get(
            &format!("/api/conversations/{conversation}/messages"),
            Some(&reader.access_token),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["items"].as_array().expect("items").clone()
}

/// The message with this id in the conversation's newest page.
pub async fn message(server: &TestServer, reader: &Account, conversation: &str, id: &str) -> Value {
    messages(server, reader, conversation)
        .await
        .into_iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the page"))
}

/// The event types after `after_seq`.
pub async fn event_types(
    server: &TestServer,
    reader: &Account,
    conversation: &str,
    after_seq: i64,
) -> Vec<String> {
    server
        .events(reader, conversation, after_seq)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}
