use palaver_tests::{PASSWORD, TestServer, account_from};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn refresh_rotates_both_tokens() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let reply = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": ada.refresh_token }),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let renewed = account_from(&reply.body);
    assert_eq!(renewed.id, ada.id);
    assert_ne!(renewed.refresh_token, ada.refresh_token);
    assert_eq!(
        server
            .get("/api/users/me", Some(&renewed.access_token))
            .await
            .status,
        200
    );

    let again = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": renewed.refresh_token }),
        )
        .await;
    assert_eq!(again.status, 200);
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_whole_session() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let renewed = account_from(
        &server
            .post(
                "/api/auth/refresh",
                None,
                json!({ "refresh_token": ada.refresh_token }),
            )
            .await
            .body,
    );

    // Someone replays the old token: theft is assumed.
    let replay = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": ada.refresh_token }),
        )
        .await;
    assert_eq!(replay.status, 401);
    assert_eq!(replay.code(), "unauthorized");

    // The rightful holder's newer tokens are dead too.
    let rightful = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": renewed.refresh_token }),
        )
        .await;
    assert_eq!(rightful.status, 401);
    assert_eq!(
        server
            .get("/api/users/me", Some(&renewed.access_token))
            .await
            .status,
        401
    );
    // Other sessions of the account are untouched.
    assert_eq!(server.login("ada", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_401() {
    let server = TestServer::start().await;
    let reply = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": "made-up" }),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "unauthorized");
}

#[tokio::test]
async fn logout_revokes_the_access_and_refresh_tokens() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let reply = server
        .post("/api/auth/logout", Some(&ada.access_token), json!(null))
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body, serde_json::Value::Null);
    let me = server.get("/api/users/me", Some(&ada.access_token)).await;
    assert_eq!(me.status, 401);
    assert_eq!(me.body["error"]["message"], "the session has been revoked");
    let refresh = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": ada.refresh_token }),
        )
        .await;
    assert_eq!(refresh.status, 401);
    // a second logout with the dead token is refused like any revoked token
    assert_eq!(
        server
            .post("/api/auth/logout", Some(&ada.access_token), json!(null))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn logout_needs_a_token() {
    let server = TestServer::start().await;
    let reply = server.post("/api/auth/logout", None, json!(null)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let server = TestServer::start().await;
    let here = server.register("ada").await;
    let elsewhere = account_from(&server.login("ada", PASSWORD).await.body);

    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let wrong = server
        .call(
            Method::PUT,
            "/api/auth/password",
            Some(&here.access_token),
            Some(change("wrong password", "a new password")),
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(wrong.code(), "forbidden");
    let too_short = server
        .call(
            Method::PUT,
            "/api/auth/password",
            Some(&here.access_token),
            Some(change(PASSWORD, "short")),
        )
        .await;
    assert_eq!(too_short.status, 400);
    assert!(too_short.body["error"]["details"]["fields"]["new_password"].is_string());
    let unauthenticated = server
        .call(
            Method::PUT,
            "/api/auth/password",
            None,
            Some(change(PASSWORD, "a new password")),
        )
        .await;
    assert_eq!(unauthenticated.status, 401);

    let ok = server
        .call(
            Method::PUT,
            "/api/auth/password",
            Some(&here.access_token),
            Some(change(PASSWORD, "a new password")),
        )
        .await;
    assert_eq!(ok.status, 204, "{:?}", ok.body);
    assert_eq!(
        server
            .get("/api/users/me", Some(&here.access_token))
            .await
            .status,
        200
    );
    assert_eq!(
        server
            .get("/api/users/me", Some(&elsewhere.access_token))
            .await
            .status,
        401
    );
    let refresh_elsewhere = server
        .post(
            "/api/auth/refresh",
            None,
            json!({ "refresh_token": elsewhere.refresh_token }),
        )
        .await;
    assert_eq!(refresh_elsewhere.status, 401);
    assert_eq!(server.login("ada", PASSWORD).await.status, 401);
    assert_eq!(server.login("ada", "a new password").await.status, 200);
}
