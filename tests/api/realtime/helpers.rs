//! What the WebSocket tests share: commands with fresh client ids, a liveness probe, and a
//! marker that proves silence without sleeping.

use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Account, Reply, TestServer, WsClient};
use reqwest::Method;

/// The heartbeat interval of [`server`]. The test config's 500 ms closes any client left
/// unread for a second (rightly: it is not answering pings), and a test reading one
/// client after another, or waiting on a timer, can leave one that long on a busy
/// machine. Only the tests of heartbeats and of `ready` keep the test config's interval.
pub const RELAXED_HEARTBEAT_MS: &str = "20000";

/// A server with the test config and a relaxed heartbeat.
pub async fn server() -> TestServer {
    server_with(&[]).await
}

/// [`server`] with more `PALAVER__...` settings.
pub async fn server_with(overrides: &[(&str, &str)]) -> TestServer {
    let mut all = vec![(
        "PALAVER__REALTIME__HEARTBEAT_INTERVAL_MS",
        RELAXED_HEARTBEAT_MS,
    )];
    all.extend_from_slice(overrides);
    TestServer::start_with(&all).await
}

/// A client_id no other command uses.
pub fn client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The gateway's address without a token.
pub fn ws_base(server: &TestServer) -> String {
    format!(
        "ws://{}/api/ws",
        server.base_url.trim_start_matches("http://")
    )
}

/// Sends `message.send` with a fresh client_id and returns its answer (`ack` or `error`).
pub async fn send_ws(client: &mut WsClient, conversation: &str, content: &str) -> Value {
    client
        .command(json!({
            "type": "message.send",
            "conversation_id": conversation,
            "content": content,
            "client_id": client_id(),
        }))
        .await
}

/// Sends a message over REST and returns it (status 201 checked).
pub async fn send_rest(
    server: &TestServer,
    from: &Account,
    conversation: &str,
    content: &str,
) -> Value {
    let reply = server.send(from, conversation, content, None).await;
    assert_eq!(reply.status, 201, "sending over REST: {:?}", reply.body);
    reply.body
}

/// Pings with a fresh client_id and waits for the matching pong: the connection is open
/// and still answering commands.
pub async fn assert_open(client: &mut WsClient) {
    let id = client_id();
    client
        .send_json(json!({ "type": "ping", "client_id": id }))
        .await;
    loop {
        let frame = client.next().await;
        if frame["type"] == "pong" && frame["client_id"] == id {
            return;
        }
    }
}

/// The frames `client` receives before a marker message that `sender` posts over REST in
/// `conversation` (which the client's user belongs to). The hub delivers frames in the
/// order their changes were announced, so anything an earlier change sent this client
/// arrives before the marker: an empty answer proves silence without sleeping. Presence
/// frames travel on a path of their own and are left out, as are earlier markers.
pub async fn frames_before_marker(
    server: &TestServer,
    client: &mut WsClient,
    sender: &Account,
    conversation: &str,
) -> Vec<Value> {
    let marker = format!("marker {}", client_id());
    send_rest(server, sender, conversation, &marker).await;
    let mut seen = Vec::new();
    loop {
        let frame = client.next().await;
        let content = frame["message"]["content"].as_str().unwrap_or("");
        if frame["type"] == "message.created" && content == marker {
            return seen;
        }
        if frame["type"] != "presence"
            && !(frame["type"] == "message.created" && content.starts_with("marker "))
        {
            seen.push(frame);
        }
    }
}

/// A group owned by `owner` alone, for markers.
pub async fn solo_group(server: &TestServer, owner: &Account) -> String {
    server.create_conversation(owner, "group", &[]).await
}

pub async fn patch(server: &TestServer, by: &Account, path: &str, body: Value) -> Reply {
    server
        .call(Method::PATCH, path, Some(&by.access_token), Some(body))
        .await
}

pub async fn delete(server: &TestServer, by: &Account, path: &str, body: Option<Value>) -> Reply {
    server
        .call(Method::DELETE, path, Some(&by.access_token), body)
        .await
}

pub async fn put(server: &TestServer, by: &Account, path: &str, body: Value) -> Reply {
    server
        .call(Method::PUT, path, Some(&by.access_token), Some(body))
        .await
}

/// `reader`'s unread count in `conversation`, from `GET /api/conversations`.
pub async fn unread_count(server: &TestServer, reader: &Account, conversation: &str) -> i64 {
    let list = server
        .get("/api/conversations", Some(&reader.access_token))
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == conversation)
        .unwrap_or_else(|| panic!("{conversation} is not in the list"))["unread_count"]
        .as_i64()
        .expect("unread_count")
}

/// Logs `account` in again: a second session of the same user.
pub async fn second_session(server: &TestServer, account: &Account) -> Account {
    let reply = server
        .login(&account.username, palaver_tests::PASSWORD)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    palaver_tests::account_from(&reply.body)
}

/// Each client's next frame of type `kind` carries `expected`: every field it names, with
/// that value (nested objects are compared field by field too).
pub async fn each_hears(clients: &mut [&mut WsClient], kind: &str, expected: Value) {
    for client in clients.iter_mut() {
        let frame = client.next_of(kind).await;
        assert_fields(&frame, &expected, kind);
    }
}

fn assert_fields(frame: &Value, expected: &Value, path: &str) {
    match expected {
        Value::Object(fields) => {
            for (name, value) in fields {
                assert_fields(&frame[name], value, &format!("{path}.{name}"));
            }
        }
        value => assert_eq!(frame, value, "{path}"),
    }
}
