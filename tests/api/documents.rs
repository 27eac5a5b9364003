//! The API documents the server publishes: the OpenAPI document validates as OpenAPI 3.1,
//! the docs page needs nothing from elsewhere, and the AsyncAPI document names exactly the
//! WebSocket frames the server sends, each frame fitting its documented payload.

use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Account, TestServer, WsClient};
use reqwest::Method;
use std::collections::BTreeSet;
use std::time::Duration;

/// A relaxed heartbeat: the test reads one client after another.
async fn server() -> TestServer {
    TestServer::start_with(&[("PALAVER__REALTIME__HEARTBEAT_INTERVAL_MS", "20000")]).await
}

fn client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn fetch(server: &TestServer, path: &str) -> (u16, String, String) {
    let response = reqwest::get(server.url(path)).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

async fn document(server: &TestServer, path: &str) -> Value {
    let (status, content_type, body) = fetch(server, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    serde_json::from_str(&body).unwrap()
}

fn errors_of(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Collects the local `$ref`s under `node` that point nowhere in `document` (the
/// meta-schema does not look them up; tools like Schemathesis refuse such a document).
fn dangling_refs(document: &Value, node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && let Some(pointer) = target.strip_prefix('#')
                && document.pointer(pointer).is_none()
            {
                found.push(target.clone());
            }
            map.values().for_each(|v| dangling_refs(document, v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| dangling_refs(document, v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_validates_as_openapi_3_1_and_covers_the_admin_api() {
    let server = TestServer::start().await;
    let openapi = document(&server, "/api/openapi.json").await;
    let meta: Value =
        serde_json::from_str(include_str!("../fixtures/openapi-3.1.schema.json")).unwrap();
    assert_eq!(errors_of(&meta, &openapi), Vec::<String>::new());
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1."));
    for path in ["/api/admin/conversations", "/api/admin/stats", "/api/ws"] {
        assert!(openapi["paths"][path]["get"].is_object(), "{path} missing");
    }

    let mut dangling = Vec::new();
    dangling_refs(&openapi, &openapi, &mut dangling);
    assert_eq!(
        dangling,
        Vec::<String>::new(),
        "every $ref names a component"
    );

    let mut broken = openapi.clone();
    broken["paths"]["/api/users"]["get"]["responses"] = json!("none");
    assert!(
        !errors_of(&meta, &broken).is_empty(),
        "the meta-schema must catch a broken document"
    );
}

#[tokio::test]
async fn the_asyncapi_document_validates_as_asyncapi_3() {
    let server = TestServer::start().await;
    let asyncapi = document(&server, "/api/asyncapi.json").await;
    let meta: Value =
        serde_json::from_str(include_str!("../fixtures/asyncapi-3.0.0.schema.json")).unwrap();
    assert_eq!(errors_of(&meta, &asyncapi), Vec::<String>::new());

    let mut broken = asyncapi.clone();
    broken["operations"]["sendToClient"]["action"] = json!("shout");
    assert!(
        !errors_of(&meta, &broken).is_empty(),
        "the schema must catch a broken document"
    );
}

#[tokio::test]
async fn the_docs_page_is_served_whole_from_the_binary() {
    let server = TestServer::start().await;
    let (status, content_type, page) = fetch(&server, "/api/docs").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        page.contains("fetch(\"openapi.json\")"),
        "it renders the served document"
    );
    for outside in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "@import",
    ] {
        assert!(!page.contains(outside), "the page loads {outside}...");
    }
}

/// A client that remembers the type of every frame it reads.
struct Recorder {
    client: WsClient,
    frames: Vec<Value>,
}

impl Recorder {
    async fn open(server: &TestServer, account: &Account) -> Self {
        let mut client = palaver_tests::ws::connect(&server.ws_url(&account.access_token), None)
            .await
            .unwrap();
        let ready = client.next().await;
        Self {
            client,
            frames: vec![ready],
        }
    }

    /// Reads until a frame of `kind` arrives, keeping every frame on the way.
    async fn expect(&mut self, kind: &str) -> Value {
        loop {
            let frame = self
                .client
                .next_within(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no {kind} frame"));
            self.frames.push(frame.clone());
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    async fn expect_any(&mut self) -> Value {
        let frame = self
            .client
            .next_within(Duration::from_secs(10))
            .await
            .expect("a frame");
        self.frames.push(frame.clone());
        frame
    }

    async fn command(&mut self, frame: Value, answer: &str) -> Value {
        self.client.send_json(frame).await;
        self.expect(answer).await
    }
}

/// Drives a real server through every kind of frame, then compares what the clients read
/// with the AsyncAPI document, both ways, and each frame with its documented payload.
#[tokio::test]
async fn the_asyncapi_document_lists_exactly_the_frames_the_server_sends() {
    let server = server().await;
    let asyncapi = document(&server, "/api/asyncapi.json").await;
    assert_eq!(asyncapi["asyncapi"], "3.0.0");
    let (ann, bob, cy) = (
        server.register("ann").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let mut a = Recorder::open(&server, &ann).await;
    let mut b = Recorder::open(&server, &bob).await;
    let conversation = server.create_conversation(&ann, "group", &[&bob]).await;
    let path = format!("/api/conversations/{conversation}");
    b.expect("conversation.created").await;

    let renamed = server
        .call(
            Method::PATCH,
            &path,
            Some(&ann.access_token),
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(renamed.status, 200);
    b.expect("conversation.updated").await;
    let added = server
        .post(
            &format!("{path}/members"),
            Some(&ann.access_token),
            json!({"user_ids": [cy.id]}),
        )
        .await;
    assert_eq!(added.status, 200);
    b.expect("member.joined").await;
    let member = format!("{path}/members/{}", cy.id);
    let promoted = server
        .call(
            Method::PATCH,
            &member,
            Some(&ann.access_token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status, 204);
    b.expect("member.updated").await;
    let removed = server
        .call(Method::DELETE, &member, Some(&ann.access_token), None)
        .await;
    assert_eq!(removed.status, 204);
    b.expect("member.left").await;

    let send = json!({"type": "message.send", "conversation_id": conversation,
        "content": "hello", "client_id": client_id()});
    let ack = a.command(send, "ack").await;
    let message = ack["message"]["id"].as_str().unwrap().to_owned();
    b.expect("message.created").await;
    let edit = json!({"type": "message.edit", "message_id": message, "content": "hi",
        "client_id": client_id()});
    a.command(edit, "ack").await;
    b.expect("message.updated").await;
    let reaction = format!("/api/messages/{message}/reactions/%F0%9F%91%8D");
    let pin = format!("{path}/pins/{message}");
    for (method, target, kind) in [
        (Method::PUT, &reaction, "reaction.added"),
        (Method::DELETE, &reaction, "reaction.removed"),
        (Method::PUT, &pin, "message.pinned"),
        (Method::DELETE, &pin, "message.unpinned"),
    ] {
        let changed = server
            .call(method, target, Some(&ann.access_token), None)
            .await;
        assert_eq!(changed.status, 204, "{kind}: {:?}", changed.body);
        b.expect(kind).await;
    }
    a.client
        .send_json(json!({"type": "delivered", "conversation_id": conversation, "seq": 1}))
        .await;
    b.expect("delivered").await;
    let delete = json!({"type": "message.delete", "message_id": message, "client_id": client_id()});
    a.command(delete, "ack").await;
    b.expect("message.deleted").await;
    a.client
        .send_json(json!({"type": "typing", "conversation_id": conversation, "is_typing": true}))
        .await;
    b.expect("typing").await;
    a.client
        .send_json(json!({"type": "read", "conversation_id": conversation, "seq": 1}))
        .await;
    b.expect("read").await;
    let cursors =
        json!({"type": "sync", "cursors": {conversation.clone(): 0}, "client_id": client_id()});
    a.command(cursors, "synced").await;
    a.command(json!({"type": "ping", "client_id": client_id()}), "pong")
        .await;
    a.command(
        json!({"type": "no.such.command", "client_id": client_id()}),
        "error",
    )
    .await;
    b.client.close().await;
    let mut frames = std::mem::take(&mut a.frames);
    frames.extend(b.frames);
    let offline = a.expect("presence").await;
    assert_eq!(offline["status"], "offline");
    let mut b = Recorder::open(&server, &bob).await;
    let deleted = server
        .call(Method::DELETE, &path, Some(&ann.access_token), None)
        .await;
    assert_eq!(deleted.status, 204);
    b.expect("conversation.deleted").await;

    let messages = asyncapi["components"]["messages"].as_object().unwrap();
    let documented = |side: &str| -> BTreeSet<String> {
        messages
            .keys()
            .filter_map(|k| k.strip_prefix(side))
            .map(str::to_owned)
            .collect()
    };
    let frames: Vec<&Value> = frames.iter().chain(&a.frames).chain(&b.frames).collect();
    let seen: BTreeSet<String> = frames
        .iter()
        .map(|f| f["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, documented("server."), "frames read vs documented");

    for frame in frames {
        let mut schema = asyncapi.clone();
        let key = format!("server.{}", frame["type"].as_str().unwrap());
        schema["$ref"] = json!(format!("#/components/messages/{key}/payload"));
        assert_eq!(errors_of(&schema, frame), Vec::<String>::new(), "{frame}");
    }

    // Every documented command is one the server takes: none is refused as unknown. Sent
    // bare, each is answered (an error naming its missing fields, or `pong`), never with
    // an error about its `type`.
    let mut a = Recorder::open(&server, &ann).await;
    for command in documented("client.") {
        let id = client_id();
        a.client
            .send_json(json!({"type": command, "client_id": id}))
            .await;
        let answer = loop {
            let frame = a.expect_any().await;
            if frame["client_id"] == id.as_str() {
                break frame;
            }
        };
        assert!(
            answer["details"]["fields"].get("type").is_none(),
            "{command} is documented but refused as unknown: {answer}"
        );
    }
    let unknown = a
        .command(
            json!({"type": "no.such.command", "client_id": client_id()}),
            "error",
        )
        .await;
    assert!(
        unknown["details"]["fields"].get("type").is_some(),
        "{unknown}"
    );
}
