//! Webhooks: a receiver started by the test gets every wanted event, signed with the
//! webhook's secret, in seq order per conversation, retried after a failure; a webhook
//! failing again and again is disabled; only global admins manage them.

use hmac::{Hmac, Mac};
use palaver_tests::notifications::{PushRequest, PushService};
use palaver_tests::{Account, TestServer};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn admin(server: &TestServer) -> Account {
    let root = server.register("root").await;
    server.grant_admin(&root).await;
    root
}

/// Registers a webhook as `admin`; returns its body (with the secret).
async fn create_webhook(server: &TestServer, admin: &Account, body: Value) -> Value {
    let reply = server
        .post("/api/webhooks", Some(&admin.access_token), body)
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.body
}

/// Checks the signature of a request against `secret`; returns the parsed body.
fn verified(request: &PushRequest, secret: &str) -> Value {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&request.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(
        request.header("x-palaver-signature"),
        Some(expected.as_str()),
        "the signature is the HMAC-SHA256 of the exact body"
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// The webhook's delivery log once `settled` holds for it (the sender records an attempt
/// just after the receiver answered it), or as it is after 10 s.
async fn log_once(
    server: &TestServer,
    admin: &Account,
    webhook_id: &str,
    settled: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/webhooks/{webhook_id}/deliveries");
    let mut log = Value::Null;
    for _ in 0..200 {
        let reply = server.get(&path, Some(&admin.access_token)).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        log = reply.body;
        if settled(&log) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    log
}

async fn next(receiver: &mut PushService) -> PushRequest {
    receiver
        .next_within(WAIT)
        .await
        .expect("a delivery within 10 s")
}

#[tokio::test]
async fn a_receiver_gets_signed_deliveries_in_order_and_a_retry_after_answering_500() {
    let server = TestServer::start().await;
    let root = admin(&server).await;
    let bob = server.register("bob").await;
    let group = server.create_conversation(&root, "group", &[&bob]).await;
    // The first delivery is answered 500, everything after 201.
    let mut receiver = PushService::start(&[500]).await;
    let hook = create_webhook(
        &server,
        &root,
        json!({ "url": format!("{}/hook", receiver.origin), "events": ["message.created"] }),
    )
    .await;
    let secret = hook["secret"].as_str().expect("a secret").to_owned();
    assert!(secret.len() >= 32, "{secret}");
    assert_eq!(hook["enabled"], true);
    assert_eq!(hook["events"], json!(["message.created"]));
    let seq_before = server.events(&root, &group, 0).await.len() as i64;

    for n in 1..=5 {
        let sent = server.send(&bob, &group, &format!("hello {n}"), None).await;
        assert_eq!(sent.status, 201, "{:?}", sent.body);
    }

    let failed = next(&mut receiver).await;
    let first = verified(&failed, &secret);
    assert_eq!(failed.path, "/hook");
    assert_eq!(first["event"], "message.created");
    assert_eq!(first["conversation_id"], group.as_str());
    assert_eq!(first["seq"], seq_before + 1);
    assert_eq!(first["data"]["type"], "message.created");
    assert_eq!(first["data"]["seq"], seq_before + 1);
    assert_eq!(first["data"]["message"]["content"], "hello 1");
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
    // Retried with the same body (and id), before anything after it.
    let retried = next(&mut receiver).await;
    assert_eq!(retried.body, failed.body, "a retry sends the same bytes");
    verified(&retried, &secret);
    for n in 2..=5 {
        let body = verified(&next(&mut receiver).await, &secret);
        assert_eq!(body["seq"], seq_before + n, "in seq order");
        assert_eq!(body["data"]["message"]["content"], format!("hello {n}"));
        assert_ne!(body["id"], first["id"]);
    }
    assert!(
        receiver
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );

    let id = hook["id"].as_str().unwrap();
    let log = log_once(&server, &root, id, |log| {
        log["items"].as_array().is_some_and(|items| {
            items.len() == 5 && items.iter().all(|d| d["state"] == "delivered")
        })
    })
    .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|d| d["state"] == "delivered"));
    let oldest = items.last().unwrap();
    assert_eq!(oldest["id"], first["id"]);
    let attempts = oldest["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0]["status"], 201, "newest first");
    assert!(attempts[0]["error"].is_null());
    assert_eq!(attempts[1]["status"], 500);
    assert!(attempts[1]["error"].as_str().unwrap().contains("500"));
    let hook_now = server
        .get(&format!("/api/webhooks/{id}"), Some(&root.access_token))
        .await;
    assert_eq!(hook_now.body["consecutive_failures"], 0);
    assert!(
        hook_now.body.get("secret").is_none(),
        "the secret is shown once"
    );
}

#[tokio::test]
async fn a_delivery_pending_at_a_restart_is_sent_by_the_server_after_it() {
    // The retry is due 3 s after the failure: well after the restart.
    let server = TestServer::start_with(&[
        ("PALAVER__WEBHOOKS__RETRY_BASE_MS", "3000"),
        ("PALAVER__WEBHOOKS__RETRY_MAX_SECS", "3"),
    ])
    .await;
    let root = admin(&server).await;
    let group = server.create_conversation(&root, "group", &[]).await;
    let mut receiver = PushService::start(&[500]).await;
    let hook = create_webhook(
        &server,
        &root,
        json!({ "url": receiver.origin, "events": ["message.created"] }),
    )
    .await;
    server.send(&root, &group, "before the restart", None).await;
    let failed = next(&mut receiver).await;
    // Once the failure is recorded (a server stopped before that leaves the delivery
    // leased, to be sent again only when the lease runs out).
    log_once(&server, &root, hook["id"].as_str().unwrap(), |log| {
        log["items"][0]["attempts"]
            .as_array()
            .is_some_and(|attempts| !attempts.is_empty())
    })
    .await;
    let server = server.restart().await;
    server.send(&root, &group, "after the restart", None).await;
    let retried = next(&mut receiver).await;
    assert_eq!(retried.body, failed.body, "the pending delivery, unchanged");
    let after = verified(&next(&mut receiver).await, hook["secret"].as_str().unwrap());
    assert_eq!(after["data"]["message"]["content"], "after the restart");
    assert!(
        receiver
            .next_within(Duration::from_millis(500))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn a_webhook_gets_only_the_event_types_of_the_conversation_it_names() {
    let server = TestServer::start().await;
    let root = admin(&server).await;
    let watched = server.create_conversation(&root, "group", &[]).await;
    let other = server.create_conversation(&root, "group", &[]).await;
    let mut receiver = PushService::start(&[]).await;
    let hook = create_webhook(
        &server,
        &root,
        json!({
            "url": receiver.origin,
            "events": ["message.deleted"],
            "conversation_id": watched,
        }),
    )
    .await;
    let in_other = server.send(&root, &other, "elsewhere", None).await;
    let in_watched = server.send(&root, &watched, "here", None).await;
    for message in [&in_other, &in_watched] {
        let id = message.body["id"].as_str().unwrap();
        let deleted = server
            .call(
                Method::DELETE,
                &format!("/api/messages/{id}"),
                Some(&root.access_token),
                None,
            )
            .await;
        assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    }
    let body = verified(&next(&mut receiver).await, hook["secret"].as_str().unwrap());
    assert_eq!(body["event"], "message.deleted");
    assert_eq!(body["conversation_id"], watched.as_str());
    assert_eq!(body["data"]["message_id"], in_watched.body["id"]);
    assert!(
        receiver.next_within(Duration::from_secs(1)).await.is_none(),
        "no message.created, nothing from the other conversation"
    );
}

#[tokio::test]
async fn a_webhook_failing_again_and_again_is_disabled_until_an_admin_enables_it() {
    let server =
        TestServer::start_with(&[("PALAVER__WEBHOOKS__DISABLE_AFTER_FAILURES", "3")]).await;
    let root = admin(&server).await;
    let group = server.create_conversation(&root, "group", &[]).await;
    let mut receiver = PushService::start(&[500, 503, 500]).await;
    let hook = create_webhook(
        &server,
        &root,
        json!({ "url": receiver.origin, "events": ["message.created"] }),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    server.send(&root, &group, "anyone there?", None).await;
    for _ in 0..3 {
        next(&mut receiver).await;
    }
    assert!(
        receiver.next_within(Duration::from_secs(2)).await.is_none(),
        "a disabled webhook gets nothing"
    );
    let disabled = server
        .get(&format!("/api/webhooks/{id}"), Some(&root.access_token))
        .await;
    assert_eq!(disabled.body["enabled"], false, "{:?}", disabled.body);
    assert!(disabled.body["disabled_at"].is_string());
    assert_eq!(disabled.body["consecutive_failures"], 3);

    let enabled = server
        .call(
            Method::PATCH,
            &format!("/api/webhooks/{id}"),
            Some(&root.access_token),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(enabled.status, 200, "{:?}", enabled.body);
    assert_eq!(enabled.body["enabled"], true);
    assert_eq!(enabled.body["consecutive_failures"], 0);
    let body = verified(&next(&mut receiver).await, hook["secret"].as_str().unwrap());
    assert_eq!(body["data"]["message"]["content"], "anyone there?");
    let log = log_once(&server, &root, id, |log| {
        log["items"][0]["state"] == "delivered"
    })
    .await;
    assert_eq!(log["items"][0]["state"], "delivered", "{log}");
    let attempts = log["items"][0]["attempts"].as_array().unwrap().clone();
    let statuses: Vec<&Value> = attempts.iter().map(|a| &a["status"]).collect();
    assert_eq!(
        statuses,
        [&json!(201), &json!(500), &json!(503), &json!(500)]
    );
}

#[tokio::test]
async fn only_global_admins_manage_webhooks_and_bad_input_stores_nothing() {
    let server = TestServer::start().await;
    let root = admin(&server).await;
    let ann = server.register("ann").await;
    let url = "http://127.0.0.1:9/hook";
    let good = json!({ "url": url, "events": ["message.created"] });

    let refused = server
        .post("/api/webhooks", Some(&ann.access_token), good.clone())
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.code(), "forbidden");
    assert_eq!(
        server
            .get("/api/webhooks", Some(&ann.access_token))
            .await
            .status,
        403
    );
    assert_eq!(
        server
            .post("/api/webhooks", None, good.clone())
            .await
            .status,
        401
    );

    for (body, field) in [
        (
            json!({ "url": "ftp://example.org/x", "events": ["message.created"] }),
            "url",
        ),
        (
            json!({ "url": "not a url", "events": ["message.created"] }),
            "url",
        ),
        (json!({ "url": url, "events": [] }), "events"),
        (json!({ "url": url, "events": ["message.sent"] }), "events"),
    ] {
        let reply = server
            .post("/api/webhooks", Some(&root.access_token), body.clone())
            .await;
        assert_eq!(reply.status, 400, "{body}: {:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed");
        assert!(
            reply.body["error"]["details"]["fields"][field].is_string(),
            "{body}: {:?}",
            reply.body
        );
    }
    let unknown_field = server
        .post(
            "/api/webhooks",
            Some(&root.access_token),
            json!({ "url": url, "events": ["message.created"], "secret": "mine" }),
        )
        .await;
    assert_eq!(unknown_field.status, 400, "{:?}", unknown_field.body);
    let missing = server
        .post(
            "/api/webhooks",
            Some(&root.access_token),
            json!({ "url": url, "events": ["message.created"], "conversation_id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(missing.status, 404, "{:?}", missing.body);
    let listed = server.get("/api/webhooks", Some(&root.access_token)).await;
    assert_eq!(listed.body["items"], json!([]), "nothing was stored");

    let hook = create_webhook(&server, &root, good).await;
    let id = hook["id"].as_str().unwrap();
    let listed = server.get("/api/webhooks", Some(&root.access_token)).await;
    assert_eq!(listed.body["items"][0]["id"], id);
    assert!(listed.body["items"][0].get("secret").is_none());
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/webhooks/{id}"),
            Some(&ann.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 403);
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/webhooks/{id}"),
            Some(&root.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    for path in [
        format!("/api/webhooks/{id}"),
        format!("/api/webhooks/{id}/deliveries"),
    ] {
        let gone = server.get(&path, Some(&root.access_token)).await;
        assert_eq!(gone.status, 404, "{path}: {:?}", gone.body);
    }
    let not_uuid = server
        .get("/api/webhooks/not-a-uuid", Some(&root.access_token))
        .await;
    assert_eq!(not_uuid.status, 400);
}

#[tokio::test]
async fn outside_development_and_test_a_webhook_must_be_public_https() {
    let server =
        TestServer::start_with(&[("PALAVER__NOTIFICATIONS__ALLOW_PRIVATE_TARGETS", "false")]).await;
    let root = admin(&server).await;
    for url in [
        "http://example.org/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
    ] {
        let reply = server
            .post(
                "/api/webhooks",
                Some(&root.access_token),
                json!({ "url": url, "events": ["message.created"] }),
            )
            .await;
        assert_eq!(reply.status, 400, "{url}: {:?}", reply.body);
        assert!(reply.body["error"]["details"]["fields"]["url"].is_string());
    }
}
