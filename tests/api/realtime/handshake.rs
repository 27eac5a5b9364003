//! The upgrade: who may open a WebSocket, and the `ready` frame that comes first.

use super::helpers::{assert_open, second_session, ws_base};
use chrono::{Duration, Utc};
use palaver_domain::auth::SessionId;
use palaver_domain::ports::TokenIssuer;
use palaver_domain::user::UserId;
use palaver_security::JwtIssuer;
use palaver_tests::serde_json::{Value, json};
use palaver_tests::{TestServer, ws};
use uuid::Uuid;

/// Asks for an upgrade over plain HTTP, so that a refusal's body can be read.
async fn refused_upgrade(url: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .get(url.replace("ws://", "http://"))
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("the upgrade request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn the_bearer_header_opens_a_socket_and_ready_comes_first() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let mut client = ws::connect(&ws_base(&server), Some(&ada.access_token))
        .await
        .expect("the upgrade");
    let ready = client.next().await;
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(ready["user_id"], json!(ada.id));
    assert_eq!(ready["heartbeat_interval_ms"], 500);
    let session = ready["session_id"].as_str().expect("session_id");
    Uuid::parse_str(session).expect("session_id is a UUID");
    assert_open(&mut client).await;
}

#[tokio::test]
async fn the_query_token_opens_a_socket_and_names_the_session() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let again = second_session(&server, &ada).await;
    let mut first = ws::connect(&server.ws_url(&ada.access_token), None)
        .await
        .expect("the upgrade");
    let mut same = ws::connect(&server.ws_url(&ada.access_token), None)
        .await
        .expect("the upgrade");
    let mut other = ws::connect(&server.ws_url(&again.access_token), None)
        .await
        .expect("the upgrade");
    let (first, same, other) = (first.next().await, same.next().await, other.next().await);
    for ready in [&first, &same, &other] {
        assert_eq!(ready["type"], "ready", "{ready}");
        assert_eq!(ready["user_id"], json!(ada.id));
        assert_eq!(ready["heartbeat_interval_ms"], 500);
    }
    assert_eq!(
        first["session_id"], same["session_id"],
        "one session, two sockets"
    );
    assert_ne!(
        first["session_id"], other["session_id"],
        "a second login is a second session"
    );
}

#[tokio::test]
async fn missing_malformed_forged_expired_and_revoked_tokens_get_401_before_the_upgrade() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let base = ws_base(&server);

    let secret = server.settings.auth.jwt_secret.expose().as_bytes().to_vec();
    let user_id = UserId::from_uuid(Uuid::parse_str(&ada.id).unwrap());
    let session = SessionId::generate();
    let forged = JwtIssuer::new(b"somebody-elses-secret", 900)
        .issue(user_id, session, Utc::now())
        .unwrap()
        .token;
    let expired = JwtIssuer::new(&secret, 900)
        .issue(user_id, session, Utc::now() - Duration::hours(1))
        .unwrap()
        .token;

    assert_eq!(ws::connect(&base, None).await.err(), Some(401), "no token");
    for token in ["garbage", "not.a.jwt", forged.as_str(), expired.as_str()] {
        assert_eq!(
            ws::connect(&base, Some(token)).await.err(),
            Some(401),
            "bearer {token}"
        );
        assert_eq!(
            ws::connect(&server.ws_url(token), None).await.err(),
            Some(401),
            "?access_token={token}"
        );
    }

    // The refusals have the API's error shape.
    let cases = [
        (base.clone(), None),
        (base.clone(), Some("Basic YWRhOnB3".to_owned())),
        (base.clone(), Some("Bearer".to_owned())),
        (base.clone(), Some(format!("Bearer {expired}"))),
        (server.ws_url("garbage"), None),
    ];
    for (url, header) in cases {
        let (status, body) = refused_upgrade(&url, header.as_deref()).await;
        assert_eq!(status, 401, "{url} {header:?}");
        assert_eq!(
            body["error"]["code"], "unauthorized",
            "{url} {header:?}: {body}"
        );
        assert!(body["error"]["message"].is_string(), "{body}");
    }

    // A token that worked stops working once its session is logged out.
    let mut before = server.connect(&ada).await;
    assert_open(&mut before).await;
    let logout = server
        .post("/api/auth/logout", Some(&ada.access_token), json!(null))
        .await;
    assert_eq!(logout.status, 204);
    assert_eq!(
        ws::connect(&base, Some(&ada.access_token)).await.err(),
        Some(401),
        "a revoked session's token"
    );
    assert_eq!(
        ws::connect(&server.ws_url(&ada.access_token), None)
            .await
            .err(),
        Some(401),
        "a revoked session's token in the query"
    );
}

#[tokio::test]
async fn a_plain_get_without_upgrade_headers_is_an_error_in_the_api_shape() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let plain = server.get("/api/ws", Some(&ada.access_token)).await;
    assert_eq!(plain.status, 400, "{:?}", plain.body);
    assert_eq!(plain.code(), "validation_failed");
    assert!(plain.body["error"]["message"].is_string());

    let anonymous = server.get("/api/ws", None).await;
    assert_eq!(anonymous.status, 401, "{:?}", anonymous.body);
    assert_eq!(anonymous.code(), "unauthorized");

    let posted = server
        .post("/api/ws", Some(&ada.access_token), json!({}))
        .await;
    assert_eq!(posted.status, 405, "{:?}", posted.body);
    assert_eq!(posted.code(), "method_not_allowed");
}
