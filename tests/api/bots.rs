//! Bots: created by global admins, authenticated by `Authorization: Bot <token>` over REST
//! and the WebSocket, their messages marked `sender_kind: "bot"`, their tokens revocable,
//! their send rate limited apart from people's.

use palaver_tests::ws::connect_authorized;
use palaver_tests::{Account, Ended, PASSWORD, Reply, TestServer, WsClient};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// A heartbeat relaxed enough that a socket left unread while the test does REST calls
/// is not closed for silence.
const RELAXED_HEARTBEAT: (&str, &str) = ("PALAVER__REALTIME__HEARTBEAT_INTERVAL_MS", "20000");
const CLOSE_WAIT: Duration = Duration::from_secs(10);

async fn server_with(overrides: &[(&str, &str)]) -> TestServer {
    let mut all = vec![RELAXED_HEARTBEAT];
    all.extend_from_slice(overrides);
    TestServer::start_with(&all).await
}

/// A call with `Authorization: Bot <token>`.
async fn as_bot(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .header("authorization", format!("Bot {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// An admin account.
async fn admin(server: &TestServer) -> Account {
    let root = server.register("root").await;
    server.grant_admin(&root).await;
    root
}

/// Creates a bot as `admin`; returns its id and token.
async fn create_bot(server: &TestServer, admin: &Account, username: &str) -> (String, String) {
    let reply = server
        .post(
            "/api/bots",
            Some(&admin.access_token),
            json!({ "username": username, "name": "Helpful Bot" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let id = reply.body["bot"]["id"].as_str().unwrap().to_owned();
    let token = reply.body["token"].as_str().unwrap().to_owned();
    (id, token)
}

/// Opens a WebSocket as the bot and reads its `ready` frame.
async fn connect_bot(server: &TestServer, token: &str) -> WsClient {
    let url = format!(
        "ws://{}/api/ws",
        server.base_url.trim_start_matches("http://")
    );
    let mut client = connect_authorized(&url, &format!("Bot {token}"))
        .await
        .unwrap_or_else(|status| panic!("bot upgrade refused with {status}"));
    let ready = client.next().await;
    assert_eq!(ready["type"], "ready", "{ready}");
    client
}

async fn ws_status(server: &TestServer, token: &str) -> Option<u16> {
    let url = format!(
        "ws://{}/api/ws",
        server.base_url.trim_start_matches("http://")
    );
    connect_authorized(&url, &format!("Bot {token}"))
        .await
        .err()
}

fn bot_member_ids(id: &str) -> Value {
    json!([id])
}

#[tokio::test]
async fn a_bot_sends_and_receives_over_rest_and_the_websocket_marked_as_a_bot() {
    let server = server_with(&[]).await;
    let root = admin(&server).await;
    let created = server
        .post(
            "/api/bots",
            Some(&root.access_token),
            json!({ "username": "helper", "name": "Helper" }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let bot = &created.body["bot"];
    assert_eq!(bot["kind"], "bot");
    assert_eq!(bot["username"], "helper");
    assert_eq!(bot["first_name"], "Helper");
    assert_eq!(bot["role"], "user");
    let token = created.body["token"].as_str().unwrap().to_owned();
    // 256 random bits, base64url: 43 characters.
    assert!(token.len() >= 43, "{token}");
    let bot_id = bot["id"].as_str().unwrap().to_owned();

    // The same API as a person: who am I, and the bot shows as a bot to others too.
    let me = as_bot(&server, Method::GET, "/api/users/me", &token, None).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["id"], bot_id.as_str());
    assert_eq!(me.body["kind"], "bot");
    let ada = server.register("ada").await;
    let seen = server
        .get(&format!("/api/users/{bot_id}"), Some(&ada.access_token))
        .await;
    assert_eq!(seen.body["kind"], "bot");
    let ada_seen = server
        .get(&format!("/api/users/{}", ada.id), Some(&ada.access_token))
        .await;
    assert_eq!(ada_seen.body["kind"], "user");

    let created = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "group", "name": "with a bot", "member_ids": bot_member_ids(&bot_id) }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let group = created.body["id"].as_str().unwrap().to_owned();
    let mut ada_ws = server.connect(&ada).await;
    let mut bot_ws = connect_bot(&server, &token).await;

    // REST: the bot sends; the message says so, to the bot and to ada's socket.
    let sent = as_bot(
        &server,
        Method::POST,
        &format!("/api/conversations/{group}/messages"),
        &token,
        Some(json!({ "content": "beep over REST", "client_id": "bot-1" })),
    )
    .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    assert_eq!(sent.body["sender_kind"], "bot");
    assert_eq!(sent.body["sender_id"], bot_id.as_str());
    let heard = ada_ws.next_of("message.created").await;
    assert_eq!(heard["message"]["content"], "beep over REST");
    assert_eq!(heard["message"]["sender_kind"], "bot");

    // The bot's own socket hears its REST message, as any sender's other devices do.
    let own = bot_ws.next_of("message.created").await;
    assert_eq!(own["message"]["content"], "beep over REST");
    assert_eq!(own["message"]["sender_kind"], "bot");

    // A person's message reaches the bot's socket, marked as a person's.
    let from_ada = server.send(&ada, &group, "hello bot", None).await;
    assert_eq!(from_ada.status, 201);
    assert_eq!(from_ada.body["sender_kind"], "user");
    let heard = bot_ws.next_of("message.created").await;
    assert_eq!(heard["message"]["content"], "hello bot");
    assert_eq!(heard["message"]["sender_kind"], "user");

    // WebSocket: the bot sends with message.send and gets its ack.
    let ack = bot_ws
        .command(json!({
            "type": "message.send",
            "conversation_id": group,
            "content": "beep over the socket",
            "client_id": "bot-2",
        }))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["message"]["sender_kind"], "bot");
    let heard = ada_ws.next_of("message.created").await;
    assert_eq!(heard["message"]["content"], "hello bot");
    let heard = ada_ws.next_of("message.created").await;
    assert_eq!(heard["message"]["content"], "beep over the socket");
    assert_eq!(heard["message"]["sender_kind"], "bot");

    // History, the event log and sync all carry the kind.
    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
        )
        .await;
    let kinds: Vec<(&str, &str)> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["content"].as_str().unwrap(),
                m["sender_kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("beep over REST", "bot"),
            ("hello bot", "user"),
            ("beep over the socket", "bot")
        ]
    );
    let events = server.events(&ada, &group, 0).await;
    let logged: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "message.created")
        .map(|e| e["message"]["sender_kind"].as_str().unwrap())
        .collect();
    assert_eq!(logged, ["bot", "user", "bot"]);
    // A fresh connection (one that has seen nothing yet) syncs from the start.
    bot_ws.close().await;
    let mut bot_ws = connect_bot(&server, &token).await;
    bot_ws
        .send_json(json!({ "type": "sync", "cursors": { group.clone(): 0 } }))
        .await;
    let mut synced = Vec::new();
    loop {
        let frame = bot_ws.next().await;
        match frame["type"].as_str() {
            Some("synced") => break,
            Some("message.created") => {
                synced.push(frame["message"]["sender_kind"].as_str().unwrap().to_owned())
            }
            _ => {}
        }
    }
    assert_eq!(synced, ["bot", "user", "bot"]);

    // The conversation list's last message carries it too.
    let list = server
        .get("/api/conversations", Some(&ada.access_token))
        .await;
    assert_eq!(list.body["items"][0]["last_message"]["sender_kind"], "bot");
}

#[tokio::test]
async fn a_reissued_token_revokes_the_old_one_and_closes_its_sockets() {
    let server = server_with(&[]).await;
    let root = admin(&server).await;
    let (bot_id, old) = create_bot(&server, &root, "rotator").await;
    let mut old_socket = connect_bot(&server, &old).await;

    let reissued = server
        .post(
            &format!("/api/bots/{bot_id}/token"),
            Some(&root.access_token),
            json!(null),
        )
        .await;
    assert_eq!(reissued.status, 200, "{:?}", reissued.body);
    let new = reissued.body["token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);

    assert_eq!(old_socket.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    let refused = as_bot(&server, Method::GET, "/api/users/me", &old, None).await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    assert_eq!(refused.code(), "unauthorized");
    assert_eq!(ws_status(&server, &old).await, Some(401));

    let accepted = as_bot(&server, Method::GET, "/api/users/me", &new, None).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    let mut socket = connect_bot(&server, &new).await;

    // Deleting the bot ends its token and its sockets; it is gone for good.
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/bots/{bot_id}"),
            Some(&root.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert!(matches!(socket.ended(CLOSE_WAIT).await, Ended::Closed(_)));
    let refused = as_bot(&server, Method::GET, "/api/users/me", &new, None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(ws_status(&server, &new).await, Some(401));
    let again = server
        .call(
            Method::DELETE,
            &format!("/api/bots/{bot_id}"),
            Some(&root.access_token),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
    let reissue_gone = server
        .post(
            &format!("/api/bots/{bot_id}/token"),
            Some(&root.access_token),
            json!(null),
        )
        .await;
    assert_eq!(reissue_gone.status, 404);
}

#[tokio::test]
async fn a_deleted_bot_leaves_its_conversations_and_its_messages_stay_a_bots() {
    let server = server_with(&[]).await;
    let root = admin(&server).await;
    let (bot_id, token) = create_bot(&server, &root, "leaver").await;
    let group = server
        .post(
            "/api/conversations",
            Some(&root.access_token),
            json!({ "kind": "group", "name": "g", "member_ids": [bot_id] }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = as_bot(
        &server,
        Method::POST,
        &format!("/api/conversations/{group}/messages"),
        &token,
        Some(json!({ "content": "bye" })),
    )
    .await;
    assert_eq!(sent.status, 201);
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/bots/{bot_id}"),
            Some(&root.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    let events = server.events(&root, &group, 0).await;
    assert!(events.iter().any(|e| e["type"] == "member.left"));
    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&root.access_token),
        )
        .await;
    let message = &history.body["items"][0];
    assert_eq!(message["content"], "bye");
    assert_eq!(message["sender_id"], Value::Null);
    assert_eq!(message["sender_kind"], "bot");
}

#[tokio::test]
async fn only_global_admins_manage_bots_and_bad_input_stores_nothing() {
    let server = server_with(&[]).await;
    let root = admin(&server).await;
    let ada = server.register("ada").await;
    let (bot_id, token) = create_bot(&server, &root, "guarded").await;

    let by_ada = server
        .post(
            "/api/bots",
            Some(&ada.access_token),
            json!({ "username": "sneaky", "name": "Sneaky" }),
        )
        .await;
    assert_eq!(by_ada.status, 403, "{:?}", by_ada.body);
    assert_eq!(by_ada.code(), "forbidden");
    let reissue = server
        .post(
            &format!("/api/bots/{bot_id}/token"),
            Some(&ada.access_token),
            json!(null),
        )
        .await;
    assert_eq!(reissue.status, 403);
    let delete = server
        .call(
            Method::DELETE,
            &format!("/api/bots/{bot_id}"),
            Some(&ada.access_token),
            None,
        )
        .await;
    assert_eq!(delete.status, 403);
    // A bot is not an admin either, and cannot make more bots.
    let by_bot = as_bot(
        &server,
        Method::POST,
        "/api/bots",
        &token,
        Some(json!({ "username": "spawn", "name": "Spawn" })),
    )
    .await;
    assert_eq!(by_bot.status, 403);
    let anonymous = server
        .post(
            "/api/bots",
            None,
            json!({ "username": "anon", "name": "Anon" }),
        )
        .await;
    assert_eq!(anonymous.status, 401);

    let bad = server
        .post(
            "/api/bots",
            Some(&root.access_token),
            json!({ "username": "x", "name": "   " }),
        )
        .await;
    assert_eq!(bad.status, 400, "{:?}", bad.body);
    assert_eq!(bad.code(), "validation_failed");
    let fields = &bad.body["error"]["details"]["fields"];
    assert!(
        fields.get("username").is_some() && fields.get("name").is_some(),
        "{fields}"
    );
    let missing = server
        .post(
            "/api/bots",
            Some(&root.access_token),
            json!({ "username": "nameless" }),
        )
        .await;
    assert_eq!(missing.status, 400);
    let taken = server
        .post(
            "/api/bots",
            Some(&root.access_token),
            json!({ "username": "ADA", "name": "Impostor" }),
        )
        .await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(taken.code(), "conflict");
    let not_a_bot = server
        .post(
            &format!("/api/bots/{}/token", ada.id),
            Some(&root.access_token),
            json!(null),
        )
        .await;
    assert_eq!(not_a_bot.status, 404);
    let person = server
        .call(
            Method::DELETE,
            &format!("/api/bots/{}", ada.id),
            Some(&root.access_token),
            None,
        )
        .await;
    assert_eq!(person.status, 404);
    let garbled = server
        .post(
            "/api/bots/not-a-uuid/token",
            Some(&root.access_token),
            json!(null),
        )
        .await;
    assert_eq!(garbled.status, 400);

    // Nothing was stored by the refused calls.
    for name in ["sneaky", "spawn", "anon", "nameless", "x"] {
        let found = server
            .get(&format!("/api/users?q={name}"), Some(&root.access_token))
            .await;
        assert_eq!(found.body["items"], json!([]), "{name}");
    }
    let ada_still = server
        .get(&format!("/api/users/{}", ada.id), Some(&root.access_token))
        .await;
    assert_eq!(ada_still.body["kind"], "user");
}

#[tokio::test]
async fn a_bot_cannot_log_in_with_a_password_and_bad_bot_tokens_are_401() {
    let server = server_with(&[]).await;
    let root = admin(&server).await;
    let (_, token) = create_bot(&server, &root, "nologin").await;
    for password in [PASSWORD, "", "whatever it is"] {
        let login = server.login("nologin", password).await;
        assert_eq!(login.status, 401, "{password:?}: {:?}", login.body);
        assert_eq!(login.code(), "unauthorized");
    }
    // A bot token is no bearer token, and a bearer token is no bot token.
    let as_bearer = server.get("/api/users/me", Some(&token)).await;
    assert_eq!(as_bearer.status, 401);
    let as_bot_header = as_bot(
        &server,
        Method::GET,
        "/api/users/me",
        &root.access_token,
        None,
    )
    .await;
    assert_eq!(as_bot_header.status, 401);
    let made_up = as_bot(&server, Method::GET, "/api/users/me", "made-up", None).await;
    assert_eq!(made_up.status, 401);
    assert_eq!(ws_status(&server, "made-up").await, Some(401));
    // Neither does a person's session become a bot's: the token works only as a bot's.
    let fine = as_bot(&server, Method::GET, "/api/users/me", &token, None).await;
    assert_eq!(fine.status, 200);
}

#[tokio::test]
async fn a_bot_over_its_own_rate_gets_429_while_people_keep_theirs() {
    let server = server_with(&[
        ("PALAVER__LIMITS__BOT_SENDS_PER_SECOND", "1"),
        ("PALAVER__LIMITS__BOT_SEND_BURST", "2"),
    ])
    .await;
    let root = admin(&server).await;
    let (bot_id, token) = create_bot(&server, &root, "chatty").await;
    let group = server
        .post(
            "/api/conversations",
            Some(&root.access_token),
            json!({ "kind": "group", "name": "g", "member_ids": [bot_id] }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut statuses = Vec::new();
    let mut limited = None;
    for n in 0..10 {
        let reply = as_bot(
            &server,
            Method::POST,
            &format!("/api/conversations/{group}/messages"),
            &token,
            Some(json!({ "content": "spam", "client_id": format!("bot-{n}") })),
        )
        .await;
        statuses.push(reply.status);
        if reply.status == 429 {
            limited = Some(reply);
        }
    }
    assert_eq!(&statuses[..2], [201, 201], "the burst passes: {statuses:?}");
    let limited = limited.expect("ten sends in a row exceed one a second");
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.header("retry-after").is_some());
    // People's limits are their own (1000 a second in the test config).
    for n in 0..10 {
        let reply = server
            .send(&root, &group, "fine", Some(&format!("root-{n}")))
            .await;
        assert_eq!(reply.status, 201, "person send {n}");
    }
}
