//! Presence: online at a user's first connection, offline after their last, told to the
//! users who share a conversation with them and to nobody else; `last_seen_at` in the
//! frame and on the profile; `GET /api/users/online`.

use super::helpers::server;
use chrono::{DateTime, Utc};
use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Account, TestServer, WsClient};

/// The next presence frame about `user` (others' are skipped), with its `last_seen_at`.
async fn next_presence(client: &mut WsClient, user: &Account) -> (Value, DateTime<Utc>) {
    let frame = loop {
        let frame = client.next_of("presence").await;
        if frame["user_id"] == json!(user.id) {
            break frame;
        }
    };
    let at = frame["last_seen_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .unwrap_or_else(|| panic!("last_seen_at is an RFC 3339 time: {frame}"))
        .with_timezone(&Utc);
    (frame, at)
}

/// Presence frames `client` gets until the one about `marker` going `status`: presence is
/// announced in the order it changes, so what comes before covers every earlier change.
async fn presence_before(client: &mut WsClient, marker: &Account, status: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let frame = client.next_of("presence").await;
        if frame["user_id"] == json!(marker.id) && frame["status"] == status {
            return seen;
        }
        seen.push(frame);
    }
}

async fn online_ids(server: &TestServer, viewer: &Account) -> Vec<String> {
    let reply = server
        .get("/api/users/online", Some(&viewer.access_token))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["id"].as_str().expect("a user id").to_owned())
        .collect()
}

async fn profile(server: &TestServer, viewer: &Account, user: &Account) -> Value {
    let reply = server
        .get(
            &format!("/api/users/{}", user.id),
            Some(&viewer.access_token),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn millis(at: &Value) -> i64 {
    at.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .unwrap_or_else(|| panic!("not a time: {at}"))
        .timestamp_millis()
}

#[tokio::test]
async fn presence_goes_to_contacts_and_not_to_strangers() {
    let server = server().await;
    let (ada, bob, eve, fay) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
        server.register("fay").await,
    );
    server.create_conversation(&ada, "group", &[&bob]).await;
    server.create_conversation(&eve, "group", &[&fay]).await;
    assert!(profile(&server, &bob, &ada).await["last_seen_at"].is_null());
    let mut bob_phone = server.connect(&bob).await;
    let mut eve_phone = server.connect(&eve).await;

    let ada_phone = server.connect(&ada).await;
    let (online, at) = next_presence(&mut bob_phone, &ada).await;
    assert_eq!(online["user_id"], json!(ada.id));
    assert_eq!(online["status"], "online");
    assert!((Utc::now() - at).num_seconds().abs() < 60, "{online}");
    assert!(
        online.get("seq").is_none(),
        "presence is ephemeral: {online}"
    );

    // Recorded, and shown on the profile and in the online list.
    let shown = profile(&server, &bob, &ada).await;
    assert!(shown["last_seen_at"].is_string(), "{shown}");
    assert_eq!(shown["online"], true, "{shown}");
    let listed = online_ids(&server, &eve).await;
    assert!(
        listed.contains(&ada.id) && listed.contains(&bob.id),
        "{listed:?}"
    );
    assert!(!listed.contains(&fay.id), "{listed:?}");

    // Eve shares nothing with Ada: Fay coming online is the first presence she hears.
    let fay_phone = server.connect(&fay).await;
    let before = presence_before(&mut eve_phone, &fay, "online").await;
    assert!(before.is_empty(), "a stranger heard {before:?}");

    ada_phone.close().await;
    let (offline, offline_at) = next_presence(&mut bob_phone, &ada).await;
    assert_eq!(offline["user_id"], json!(ada.id));
    assert_eq!(offline["status"], "offline");
    assert!(offline_at >= at, "{online} then {offline}");
    let shown = profile(&server, &bob, &ada).await;
    assert_eq!(shown["online"], false, "{shown}");
    assert!(
        (millis(&shown["last_seen_at"]) - offline_at.timestamp_millis()).abs() <= 1,
        "stored {} vs announced {offline}",
        shown["last_seen_at"]
    );
    assert!(!online_ids(&server, &bob).await.contains(&ada.id));

    fay_phone.close().await;
    let before = presence_before(&mut eve_phone, &fay, "offline").await;
    assert!(before.is_empty(), "a stranger heard {before:?}");
}

#[tokio::test]
async fn a_user_is_online_from_the_first_device_until_the_last_closes() {
    let server = server().await;
    let (ada, bob, dan) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("dan").await,
    );
    server
        .create_conversation(&bob, "group", &[&ada, &dan])
        .await;
    let mut bob_phone = server.connect(&bob).await;

    let ada_phone = server.connect(&ada).await;
    let (online, _) = next_presence(&mut bob_phone, &ada).await;
    assert_eq!(online["user_id"], json!(ada.id));
    assert_eq!(online["status"], "online");

    // A second device changes nothing; Dan coming online marks where to stop looking.
    let ada_laptop = server.connect(&ada).await;
    let dan_phone = server.connect(&dan).await;
    let heard = presence_before(&mut bob_phone, &dan, "online").await;
    assert!(heard.is_empty(), "a second device was announced: {heard:?}");

    // Closing one of two devices changes nothing either.
    ada_phone.close().await;
    assert!(online_ids(&server, &bob).await.contains(&ada.id));
    assert_eq!(profile(&server, &bob, &ada).await["online"], true);
    dan_phone.close().await;
    let heard = presence_before(&mut bob_phone, &dan, "offline").await;
    assert!(
        heard.is_empty(),
        "ada went offline with a device left: {heard:?}"
    );

    ada_laptop.close().await;
    let (offline, _) = next_presence(&mut bob_phone, &ada).await;
    assert_eq!(offline["user_id"], json!(ada.id));
    assert_eq!(offline["status"], "offline");
    assert!(!online_ids(&server, &bob).await.contains(&ada.id));
    assert_eq!(profile(&server, &bob, &ada).await["online"], false);
}
