//! Login and password-reset throttling on one node: 429 `rate_limited` with Retry-After
//! once an account, an email or an address has tried too often.

use palaver_tests::{PASSWORD, Reply, TestServer};
use serde_json::json;

async fn login_from(
    server: &TestServer,
    login: &str,
    password: &str,
    forwarded: Option<&str>,
) -> Reply {
    let mut request = reqwest::Client::new()
        .post(server.url("/api/auth/login"))
        .json(&json!({ "username": login, "password": password }));
    if let Some(address) = forwarded {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

fn assert_throttled(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 429, "{what}: {:?}", reply.body);
    assert_eq!(reply.code(), "rate_limited", "{what}");
    let wait: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(wait >= 1, "{what}: Retry-After {wait}");
}

#[tokio::test]
async fn forty_wrong_passwords_end_in_429_and_the_right_one_waits_too() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let reply = server.login(&ada.username, "wrong password").await;
        if reply.status == 429 {
            assert_throttled(&reply, "wrong password");
        }
        statuses.push(reply.status);
    }
    // The default limit is 10 per account per window.
    let expected: Vec<u16> = (0..40).map(|n| if n < 10 { 401 } else { 429 }).collect();
    assert_eq!(statuses, expected);
    assert_throttled(
        &server.login(&ada.username, PASSWORD).await,
        "right password",
    );
    // The email names the same account.
    assert_throttled(&server.login("ada@example.org", PASSWORD).await, "by email");
    // Another account is not affected.
    let bob = server.register("bob").await;
    assert_eq!(server.login(&bob.username, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_successful_login_clears_the_accounts_count() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    for _ in 0..3 {
        for _ in 0..9 {
            assert_eq!(server.login(&ada.username, "wrong").await.status, 401);
        }
        assert_eq!(server.login(&ada.username, PASSWORD).await.status, 200);
    }
}

#[tokio::test]
async fn an_address_is_throttled_across_names_and_forwarded_for_counts_only_behind_a_trusted_proxy()
{
    let server = TestServer::start_with(&[("PALAVER__THROTTLE__LOGIN_PER_ADDRESS", "5")]).await;
    for n in 0..5 {
        // A forged X-Forwarded-For from an untrusted peer changes nothing.
        let forged = format!("198.51.100.{n}");
        let reply = login_from(&server, &format!("nobody{n}"), "x", Some(&forged)).await;
        assert_eq!(reply.status, 401, "{:?}", reply.body);
    }
    let reply = login_from(&server, "nobody-else", "x", Some("198.51.100.99")).await;
    assert_throttled(&reply, "sixth name from one address");

    let proxied = TestServer::start_with(&[
        ("PALAVER__THROTTLE__LOGIN_PER_ADDRESS", "5"),
        ("PALAVER__THROTTLE__TRUSTED_PROXIES", "127.0.0.1, ::1"),
    ])
    .await;
    for n in 0..5 {
        let reply = login_from(&proxied, &format!("nobody{n}"), "x", Some("198.51.100.1")).await;
        assert_eq!(reply.status, 401);
    }
    let same = login_from(&proxied, "nobody9", "x", Some("6.6.6.6, 198.51.100.1")).await;
    assert_throttled(
        &same,
        "the client the proxy heard from, whatever it claimed",
    );
    let other = login_from(&proxied, "nobody9", "x", Some("198.51.100.2")).await;
    assert_eq!(other.status, 401, "another client behind the proxy");
}

#[tokio::test]
async fn password_reset_requests_are_throttled_per_email_and_per_address() {
    let server = TestServer::start_with(&[
        ("PALAVER__THROTTLE__RESET_PER_EMAIL", "2"),
        ("PALAVER__THROTTLE__RESET_PER_ADDRESS", "4"),
    ])
    .await;
    let ask = |email: &'static str| {
        server.post("/api/auth/password-reset", None, json!({ "email": email }))
    };
    assert_eq!(ask("ada@example.org").await.status, 202);
    assert_eq!(ask("ADA@example.org").await.status, 202);
    assert_throttled(&ask("ada@example.org").await, "third for one email");
    // Unknown addresses count the same, so a 429 tells nothing about who has an account.
    assert_eq!(
        ask("carol@example.org").await.status,
        202,
        "fourth from one address"
    );
    assert_throttled(&ask("bob@example.org").await, "fifth from one address");
}
