use chrono::{Duration, Utc};
use palaver_domain::auth::SessionId;
use palaver_domain::ports::TokenIssuer;
use palaver_domain::user::UserId;
use palaver_security::JwtIssuer;
use palaver_tests::{PASSWORD, TestServer};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn malformed_json_wrong_types_and_missing_fields_are_400() {
    let server = TestServer::start().await;
    let cases = [
        ("{\"username\": ", "malformed"),
        ("{\"username\": 5, \"password\": \"x\"}", "wrong type"),
        ("{\"username\": \"ada\"}", "missing field"),
        ("[]", "not an object"),
    ];
    for (body, what) in cases {
        let reply = server
            .raw(Method::POST, "/api/auth/register", "application/json", body)
            .await;
        assert_eq!(reply.status, 400, "{what}: {:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed", "{what}");
        assert!(reply.body["error"]["message"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn every_json_route_refuses_a_malformed_body_with_400() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let routes = [
        (Method::POST, "/api/auth/login"),
        (Method::POST, "/api/auth/refresh"),
        (Method::POST, "/api/auth/password-reset"),
        (Method::POST, "/api/auth/password-reset/confirm"),
        (Method::PUT, "/api/auth/password"),
        (Method::PATCH, "/api/users/me"),
        (Method::DELETE, "/api/users/me"),
    ];
    for (method, path) in routes {
        let request = reqwest::Client::new()
            .request(method.clone(), server.url(path))
            .bearer_auth(&ada.access_token)
            .header("content-type", "application/json")
            .body("{\"oops\": ");
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "{method} {path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "validation_failed",
            "{method} {path}"
        );
    }
    let wrong_type = server
        .post("/api/auth/refresh", None, json!({ "refresh_token": 42 }))
        .await;
    assert_eq!(wrong_type.status, 400);
    let missing = server
        .post("/api/auth/login", None, json!({ "username": "ada" }))
        .await;
    assert_eq!(missing.status, 400);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let server = TestServer::start().await;
    let reply = server
        .raw(
            Method::POST,
            "/api/auth/login",
            "text/plain",
            "username=ada",
        )
        .await;
    assert_eq!(reply.status, 415);
    assert_eq!(reply.code(), "unsupported_media_type");
}

#[tokio::test]
async fn an_oversize_body_is_413() {
    let server = TestServer::start_with(&[("PALAVER__SERVER__MAX_BODY_BYTES", "1024")]).await;
    let huge = json!({ "username": "ada", "password": "x".repeat(2000) }).to_string();
    let reply = server
        .raw(Method::POST, "/api/auth/register", "application/json", huge)
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.code(), "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_in_the_error_shape() {
    let server = TestServer::start().await;
    let unknown = server.get("/api/nothing-here", None).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.code(), "not_found");

    let wrong_method = server.get("/api/auth/login", None).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.code(), "method_not_allowed");
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    let on_me = server.call(Method::PUT, "/api/users/me", None, None).await;
    assert_eq!(on_me.status, 405);
    assert_eq!(on_me.header("allow"), Some("GET, PATCH, DELETE"));
}

#[tokio::test]
async fn missing_malformed_forged_and_expired_tokens_are_401() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
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
    // well signed and fresh, but naming a session that never existed
    let sessionless = JwtIssuer::new(&secret, 900)
        .issue(user_id, session, Utc::now())
        .unwrap()
        .token;

    let me = |header: Option<String>| {
        let client = reqwest::Client::new();
        let mut request = client.get(server.url("/api/users/me"));
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        request.send()
    };
    let cases = [
        (None, "a bearer access token is required"),
        (
            Some("Basic YWRhOnB3".to_owned()),
            "the access token is invalid",
        ),
        (Some("Bearer".to_owned()), "the access token is invalid"),
        (
            Some("Bearer not.a.jwt".to_owned()),
            "the access token is invalid",
        ),
        (
            Some(format!("Bearer {forged}")),
            "the access token is invalid",
        ),
        (
            Some(format!("Bearer {expired}")),
            "the access token has expired",
        ),
        (
            Some(format!("Bearer {sessionless}")),
            "the session has been revoked",
        ),
    ];
    for (header, message) in cases {
        let response = me(header.clone()).await.unwrap();
        assert_eq!(response.status(), 401, "{header:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert_eq!(body["error"]["message"], message, "{header:?}");
    }
    let ok = me(Some(format!("bearer {}", ada.access_token)))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "the scheme is case-insensitive");
}

#[tokio::test]
async fn health_and_readiness() {
    let server = TestServer::start().await;
    let health = server.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = server.get("/readyz", None).await;
    assert_eq!(
        (ready.status, ready.body["status"].as_str()),
        (200, Some("ready"))
    );
}

#[tokio::test]
async fn no_response_ever_carries_password_material() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let token = Some(ada.access_token.as_str());
    let replies = [
        server.login("ada", PASSWORD).await,
        server.get("/api/users/me", token).await,
        server.get("/api/users", token).await,
        server.get(&format!("/api/users/{}", ada.id), token).await,
        server
            .call(
                Method::PATCH,
                "/api/users/me",
                token,
                Some(json!({ "first_name": "Ada" })),
            )
            .await,
    ];
    for reply in replies {
        let text = reply.body.to_string();
        assert!(
            !text.contains("$2b$") && !text.contains("password_hash") && !text.contains(PASSWORD),
            "{text}"
        );
    }
}
