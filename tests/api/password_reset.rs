use palaver_tests::{PASSWORD, TestServer};
use serde_json::json;
use std::time::Duration;

fn token_in(body: &str) -> String {
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Use this code"))
        .expect("the mail explains the code");
    lines[at + 2].to_owned()
}

#[tokio::test]
async fn a_reset_mail_carries_a_single_use_token_that_sets_a_new_password() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;

    let reply = server
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": "ADA@example.org" }),
        )
        .await;
    assert_eq!(reply.status, 202);
    let mail = server.next_mail().await.expect("a reset mail");
    assert_eq!(mail.recipients, vec!["ada@example.org".to_string()]);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Reset your Palaver password")
    );
    let body = mail.text_body();
    assert!(body.contains("expires in 30 minutes"), "{body}");
    let token = token_in(&body);

    let confirm = |token: &str, password: &str| json!({ "token": token, "new_password": password });
    let short = server
        .post(
            "/api/auth/password-reset/confirm",
            None,
            confirm(&token, "short"),
        )
        .await;
    assert_eq!(short.status, 400);
    let ok = server
        .post(
            "/api/auth/password-reset/confirm",
            None,
            confirm(&token, "a brand new password"),
        )
        .await;
    assert_eq!(ok.status, 204, "{:?}", ok.body);

    // Every session is gone; the new password works, the old one does not.
    assert_eq!(
        server
            .get("/api/users/me", Some(&ada.access_token))
            .await
            .status,
        401
    );
    assert_eq!(server.login("ada", PASSWORD).await.status, 401);
    assert_eq!(
        server.login("ada", "a brand new password").await.status,
        200
    );

    let reuse = server
        .post(
            "/api/auth/password-reset/confirm",
            None,
            confirm(&token, "yet another password"),
        )
        .await;
    assert_eq!(reuse.status, 400);
    assert_eq!(reuse.code(), "validation_failed");
    assert!(reuse.body["error"]["details"]["fields"]["token"].is_string());
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_202_and_no_mail() {
    let server = TestServer::start().await;
    server.register("ada").await;
    let reply = server
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": "nobody@example.org" }),
        )
        .await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.body, serde_json::Value::Null);
    assert!(
        server
            .mail_within(Duration::from_millis(500))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn reset_inputs_are_validated() {
    let server = TestServer::start().await;
    let bad_email = server
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": "not-an-email" }),
        )
        .await;
    assert_eq!(bad_email.status, 400);
    let made_up = server
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({ "token": "made-up", "new_password": "a fine password" }),
        )
        .await;
    assert_eq!(made_up.status, 400);
    assert_eq!(made_up.code(), "validation_failed");
}

#[tokio::test]
async fn a_reset_token_expires() {
    let server = TestServer::start_with(&[("PALAVER__AUTH__PASSWORD_RESET_TTL_SECS", "1")]).await;
    server.register("ada").await;
    server
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": "ada@example.org" }),
        )
        .await;
    let token = token_in(&server.next_mail().await.expect("a reset mail").text_body());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = server
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({ "token": token, "new_password": "a fine password" }),
        )
        .await;
    assert_eq!(late.status, 400);
    assert_eq!(server.login("ada", PASSWORD).await.status, 200);
}
