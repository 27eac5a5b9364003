use super::{push_to, subscribe};
use palaver_tests::TestServer;
use palaver_tests::notifications::{PushService, verify_vapid};
use palaver_tests::serde_json::json;
use reqwest::Method;
use std::time::Duration;

#[tokio::test]
async fn an_offline_member_gets_an_encrypted_push_signed_with_the_servers_vapid_key() {
    let server = TestServer::start().await;
    let mut service = PushService::start(&[]).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let (keys, _) = subscribe(&server, &service, &bob).await;
    let vapid = server
        .get("/api/push/vapid-public-key", Some(&bob.access_token))
        .await;
    assert_eq!(vapid.status, 200);
    let vapid_key = vapid.body["key"].as_str().unwrap().to_owned();
    let group = server.create_conversation(&ann, "group", &[&bob]).await;
    let sent = server.send(&ann, &group, "lunch at noon?", None).await;
    assert_eq!(sent.status, 201);

    let push = push_to(&mut service, "bob", &mut vec![]).await;
    assert_eq!(push.header("content-encoding"), Some("aes128gcm"));
    assert!(
        push.header("ttl")
            .is_some_and(|ttl| ttl.parse::<u64>().is_ok())
    );
    let claims = verify_vapid(&push, &vapid_key, &service.origin);
    assert!(claims["sub"].as_str().unwrap().starts_with("mailto:"));
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
    let payload = keys.decrypt(&push.body);
    assert_eq!(payload["type"], "message.created");
    assert_eq!(payload["conversation_id"], group.as_str());
    assert_eq!(payload["conversation_name"], "group of ann");
    assert_eq!(payload["sender"], json!({"id": ann.id, "username": "ann"}));
    assert_eq!(payload["preview"], "lunch at noon?");
    assert_eq!(payload["seq"], sent.body["seq"]);
    assert_eq!(payload["unread_count"], 1);
    // The sender hears nothing of their own message.
    assert!(service.drain().iter().all(|r| r.path != "/push/ann"));
}

#[tokio::test]
async fn a_connected_member_a_reader_a_receiver_a_muted_member_and_level_none_get_nothing() {
    let server = TestServer::start().await;
    let mut service = PushService::start(&[]).await;
    let ann = server.register("ann").await;
    let online = server.register("online").await;
    let reader = server.register("reader").await;
    // Got the message on a device (the `delivered` marker) while not connected now.
    let receiver = server.register("receiver").await;
    let muted = server.register("muted").await;
    let silent = server.register("silent").await;
    let control = server.register("control").await;
    let members = [&online, &reader, &receiver, &muted, &silent, &control];
    for member in members {
        subscribe(&server, &service, member).await;
    }
    let group = server.create_conversation(&ann, "group", &members).await;
    // Read (and so answer the heartbeat pings) in the background, as a live client does.
    let mut socket = server.connect(&online).await;
    let reading = tokio::spawn(async move {
        loop {
            socket.next_within(Duration::from_secs(1)).await;
        }
    });
    let level = |account: &palaver_tests::Account, body| {
        let path = format!("/api/conversations/{group}/notifications");
        let token = account.access_token.clone();
        let server = &server;
        async move {
            server
                .call(Method::PUT, &path, Some(&token), Some(body))
                .await
        }
    };
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    assert_eq!(
        level(&muted, json!({"level": "all", "muted_until": until}))
            .await
            .status,
        204
    );
    assert_eq!(level(&silent, json!({"level": "none"})).await.status, 204);

    let sent = server
        .send(&ann, &group, "@muted @silent hello all", None)
        .await;
    let seq = sent.body["seq"].as_i64().unwrap();
    let read = server
        .call(
            Method::PUT,
            &format!("/api/conversations/{group}/read"),
            Some(&reader.access_token),
            Some(json!({"seq": seq})),
        )
        .await;
    assert_eq!(read.status, 204);
    let delivered = server
        .call(
            Method::PUT,
            &format!("/api/conversations/{group}/delivered"),
            Some(&receiver.access_token),
            Some(json!({"seq": seq})),
        )
        .await;
    assert_eq!(delivered.status, 204, "{:?}", delivered.body);

    // The control member's push was due at the same time as everyone's.
    let mut others = vec![];
    push_to(&mut service, "control", &mut others).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    others.extend(service.drain());
    let paths: Vec<&str> = others.iter().map(|r| r.path.as_str()).collect();
    assert!(paths.is_empty(), "unexpected pushes: {paths:?}");
    assert!(!reading.is_finished(), "the socket stayed open throughout");
    reading.abort();
}

#[tokio::test]
async fn level_mentions_gets_only_the_messages_that_mention_the_member() {
    let server = TestServer::start().await;
    let mut service = PushService::start(&[]).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let control = server.register("control").await;
    let (keys, _) = subscribe(&server, &service, &bob).await;
    subscribe(&server, &service, &control).await;
    let group = server
        .create_conversation(&ann, "group", &[&bob, &control])
        .await;
    let set = server
        .call(
            Method::PUT,
            &format!("/api/conversations/{group}/notifications"),
            Some(&bob.access_token),
            Some(json!({"level": "mentions"})),
        )
        .await;
    assert_eq!(set.status, 204);

    server
        .send(&ann, &group, "nothing for bob here", None)
        .await;
    let mut others = vec![];
    push_to(&mut service, "control", &mut others).await;
    assert!(others.is_empty(), "{others:?}");

    server.send(&ann, &group, "@bob please look", None).await;
    let push = push_to(&mut service, "bob", &mut others).await;
    assert_eq!(keys.decrypt(&push.body)["preview"], "@bob please look");
}

#[tokio::test]
async fn a_push_service_answering_410_loses_the_subscription() {
    let server = TestServer::start().await;
    let mut service = PushService::start(&[410]).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let control = server.register("control").await;
    let (_, id) = subscribe(&server, &service, &bob).await;
    let group = server.create_conversation(&ann, "group", &[&bob]).await;
    server.send(&ann, &group, "are you there?", None).await;
    push_to(&mut service, "bob", &mut vec![]).await;

    // A later message reaches the control member but no longer bob.
    subscribe(&server, &service, &control).await;
    let add = server
        .post(
            &format!("/api/conversations/{group}/members"),
            Some(&ann.access_token),
            json!({"user_ids": [control.id]}),
        )
        .await;
    assert!(add.status < 300, "{:?}", add.body);
    server.send(&ann, &group, "hello?", None).await;
    let mut others = vec![];
    push_to(&mut service, "control", &mut others).await;
    assert!(others.is_empty(), "{others:?}");
    let delete = server
        .call(
            Method::DELETE,
            &format!("/api/push/subscriptions/{id}"),
            Some(&bob.access_token),
            None,
        )
        .await;
    assert_eq!(delete.status, 404, "the subscription was still there");
}

#[tokio::test]
async fn a_retry_goes_only_to_the_subscription_that_asked_for_it() {
    let server =
        TestServer::start_with(&[("PALAVER__NOTIFICATIONS__PUSH_RETRY_BASE_SECS", "1")]).await;
    // The first push is answered 500, every later one 201.
    let mut service = PushService::start(&[500]).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let mut keys = Vec::new();
    for device in ["phone", "laptop"] {
        let device_keys = palaver_tests::notifications::BrowserKeys::new();
        let endpoint = format!("{}/push/bob-{device}", service.origin);
        let reply = server.subscribe_push(&bob, &endpoint, &device_keys).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        keys.push(device_keys);
    }
    let group = server.create_conversation(&ann, "group", &[&bob]).await;
    server.send(&ann, &group, "one for each device", None).await;

    let wait = super::PUSH_WAIT;
    let failed = service.next_within(wait).await.expect("a first push");
    let accepted = service.next_within(wait).await.expect("a second push");
    assert_ne!(failed.path, accepted.path, "one push per device");
    let retried = service.next_within(wait).await.expect("the retry");
    assert_eq!(
        retried.path, failed.path,
        "only the device that got a 500 again"
    );
    assert!(
        service.next_within(Duration::from_secs(3)).await.is_none(),
        "the device that accepted it hears nothing twice"
    );
}

#[tokio::test]
async fn a_notification_pending_when_the_server_stops_is_sent_by_the_next_one() {
    // Long enough that the first server stops before it is due.
    let server = TestServer::start_with(&[("PALAVER__NOTIFICATIONS__DELAY_SECS", "8")]).await;
    let mut service = PushService::start(&[]).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let (keys, _) = subscribe(&server, &service, &bob).await;
    let group = server.create_conversation(&ann, "group", &[&bob]).await;
    server.send(&ann, &group, "before the restart", None).await;
    let server = server.restart().await;
    assert!(service.drain().is_empty(), "sent before the stop");

    let push = push_to(&mut service, "bob", &mut vec![]).await;
    assert_eq!(keys.decrypt(&push.body)["preview"], "before the restart");
    server.stop().await;
}
