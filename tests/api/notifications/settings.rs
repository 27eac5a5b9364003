use palaver_tests::TestServer;
use palaver_tests::notifications::BrowserKeys;
use palaver_tests::serde_json::json;
use reqwest::Method;

#[tokio::test]
async fn preferences_default_patch_whole_and_name_the_bad_field() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let token = Some(ann.access_token.as_str());
    let got = server.get("/api/users/me/preferences", token).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.body,
        json!({"email_notifications": "mentions", "email_delay_secs": 900, "locale": "en", "time_zone": "UTC"})
    );
    let patched = server
        .call(
            Method::PATCH,
            "/api/users/me/preferences",
            token,
            Some(json!({"locale": "pt-BR", "time_zone": "America/Sao_Paulo"})),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(
        patched.body,
        json!({"email_notifications": "mentions", "email_delay_secs": 900, "locale": "pt-BR", "time_zone": "America/Sao_Paulo"})
    );
    for (body, field) in [
        (
            json!({"email_notifications": "daily"}),
            "email_notifications",
        ),
        (json!({"email_delay_secs": 100000}), "email_delay_secs"),
        (json!({"locale": "klingon language"}), "locale"),
        (json!({"time_zone": "../etc/passwd"}), "time_zone"),
    ] {
        let reply = server
            .call(
                Method::PATCH,
                "/api/users/me/preferences",
                token,
                Some(body),
            )
            .await;
        assert_eq!(reply.status, 400, "{field}: {:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed");
        assert!(
            reply.body.to_string().contains(field),
            "{field}: {:?}",
            reply.body
        );
    }
    let unchanged = server.get("/api/users/me/preferences", token).await;
    assert_eq!(unchanged.body, patched.body);
    assert_eq!(
        server.get("/api/users/me/preferences", None).await.status,
        401
    );
}

#[tokio::test]
async fn a_conversation_level_is_for_members_only() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let eve = server.register("eve").await;
    let group = server.create_conversation(&ann, "group", &[]).await;
    let path = format!("/api/conversations/{group}/notifications");
    let put = |token: &str, body| {
        let token = token.to_owned();
        let (server, path) = (&server, &path);
        async move {
            server
                .call(Method::PUT, path, Some(&token), Some(body))
                .await
        }
    };
    assert_eq!(
        put(&ann.access_token, json!({"level": "mentions"}))
            .await
            .status,
        204
    );
    assert_eq!(
        put(
            &ann.access_token,
            json!({"level": "all", "muted_until": null})
        )
        .await
        .status,
        204
    );
    let outsider = put(&eve.access_token, json!({"level": "none"})).await;
    assert_eq!(outsider.status, 404);
    let bad = put(&ann.access_token, json!({"level": "loud"})).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code(), "validation_failed");
    let nowhere = server
        .call(
            Method::PUT,
            &format!("/api/conversations/{}/notifications", uuid::Uuid::new_v4()),
            Some(&ann.access_token),
            Some(json!({"level": "all"})),
        )
        .await;
    assert_eq!(nowhere.status, 404);
}

#[tokio::test]
async fn bad_subscriptions_are_refused_and_store_nothing() {
    let server =
        TestServer::start_with(&[("PALAVER__NOTIFICATIONS__ALLOW_PRIVATE_TARGETS", "false")]).await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let keys = BrowserKeys::new();
    for (endpoint, p256dh, auth, field) in [
        (
            "http://push.example.org/x",
            keys.p256dh(),
            keys.auth(),
            "endpoint",
        ),
        (
            "https://127.0.0.1/x",
            keys.p256dh(),
            keys.auth(),
            "endpoint",
        ),
        ("https://[::1]/x", keys.p256dh(), keys.auth(), "endpoint"),
        ("https://10.0.0.8/x", keys.p256dh(), keys.auth(), "endpoint"),
        ("not a url", keys.p256dh(), keys.auth(), "endpoint"),
        (
            "https://8.8.8.8/x",
            "c2hvcnQ".to_owned(),
            keys.auth(),
            "keys.p256dh",
        ),
        (
            "https://8.8.8.8/x",
            keys.p256dh(),
            "c2hvcnQ".to_owned(),
            "keys.auth",
        ),
    ] {
        let reply = server
            .post(
                "/api/push/subscriptions",
                Some(&ann.access_token),
                json!({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}),
            )
            .await;
        assert_eq!(reply.status, 400, "{endpoint} {field}: {:?}", reply.body);
        assert!(
            reply.body.to_string().contains(field),
            "{field}: {:?}",
            reply.body
        );
    }
    let missing = server
        .post(
            "/api/push/subscriptions",
            Some(&ann.access_token),
            json!({"endpoint": "https://8.8.8.8/x"}),
        )
        .await;
    assert_eq!(missing.status, 400);

    // A public https endpoint is taken; only its owner may delete it.
    let made = server
        .post(
            "/api/push/subscriptions",
            Some(&ann.access_token),
            json!({"endpoint": "https://8.8.8.8/push/1", "keys": {"p256dh": keys.p256dh(), "auth": keys.auth()}}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let path = format!(
        "/api/push/subscriptions/{}",
        made.body["id"].as_str().unwrap()
    );
    assert_eq!(
        server
            .call(Method::DELETE, &path, Some(&bob.access_token), None)
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .call(Method::DELETE, &path, Some(&ann.access_token), None)
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .call(Method::DELETE, &path, Some(&ann.access_token), None)
            .await
            .status,
        404
    );
}
