//! How connections end: heartbeats (4000), revoked sessions (4001) and a stopping
//! server (1001).

use super::helpers::{assert_open, delete, put, second_session, server};
use palaver_tests::serde_json::json;
use palaver_tests::{Ended, PASSWORD, TestServer};
use std::time::Duration;

/// The test config's heartbeat interval.
const HEARTBEAT: Duration = Duration::from_millis(500);
/// Long enough for a close the server has decided on to arrive.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_client_that_keeps_reading_stays_open_over_many_heartbeats() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let mut client = server.connect(&ada).await;
    // Reading answers the server's pings on the way; nothing else is sent meanwhile.
    let frames = client.collect_of("pong", HEARTBEAT * 8).await;
    assert!(frames.is_empty());
    assert_open(&mut client).await;
}

#[tokio::test]
async fn a_client_that_stops_answering_heartbeats_is_closed_with_4000() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let mut client = server.connect(&ada).await;
    // Not reading means not answering pings. The server gives up after two silent
    // intervals; once the client reads again it would answer, so a 4000 can only come
    // from the silence.
    tokio::time::sleep(HEARTBEAT * 8).await;
    assert_eq!(client.ended(CLOSE_WAIT).await, Ended::Closed(4000));
}

#[tokio::test]
async fn logout_closes_that_sessions_sockets_only() {
    let server = server().await;
    let ada = server.register("ada").await;
    let elsewhere = second_session(&server, &ada).await;
    let mut phone = server.connect(&ada).await;
    let mut phone_again = server.connect(&ada).await;
    let mut laptop = server.connect(&elsewhere).await;

    let logout = server
        .post("/api/auth/logout", Some(&ada.access_token), json!(null))
        .await;
    assert_eq!(logout.status, 204, "{:?}", logout.body);
    assert_eq!(phone.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_eq!(phone_again.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_open(&mut laptop).await;
}

#[tokio::test]
async fn a_password_change_closes_the_other_sessions_sockets_not_this_ones() {
    let server = server().await;
    let ada = server.register("ada").await;
    let elsewhere = second_session(&server, &ada).await;
    let third = second_session(&server, &ada).await;
    let mut here = server.connect(&ada).await;
    let mut there = server.connect(&elsewhere).await;
    let mut there_too = server.connect(&third).await;

    let changed = put(
        &server,
        &ada,
        "/api/auth/password",
        json!({ "current_password": PASSWORD, "new_password": "a brand new secret" }),
    )
    .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(there.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_eq!(there_too.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_open(&mut here).await;
}

#[tokio::test]
async fn deleting_the_account_closes_all_its_sockets() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let elsewhere = second_session(&server, &ada).await;
    let mut phone = server.connect(&ada).await;
    let mut laptop = server.connect(&elsewhere).await;
    let mut bob_phone = server.connect(&bob).await;

    let deleted = delete(
        &server,
        &ada,
        "/api/users/me",
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert_eq!(phone.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_eq!(laptop.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_open(&mut bob_phone).await;
}

#[tokio::test]
async fn a_replayed_refresh_token_closes_the_sockets_of_the_session_it_revokes() {
    let server = server().await;
    let ada = server.register("ada").await;
    let elsewhere = second_session(&server, &ada).await;
    let mut old_token = server.connect(&ada).await;
    let mut laptop = server.connect(&elsewhere).await;
    let refresh =
        |token: &str| server.post("/api/auth/refresh", None, json!({ "refresh_token": token }));
    let renewed = refresh(&ada.refresh_token).await;
    assert_eq!(renewed.status, 200, "{:?}", renewed.body);
    let renewed = palaver_tests::account_from(&renewed.body);
    let mut new_token = server.connect(&renewed).await;
    assert_open(&mut old_token).await;

    // A replay of the rotated token revokes the whole session, sockets included.
    assert_eq!(refresh(&ada.refresh_token).await.status, 401);
    assert_eq!(old_token.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_eq!(new_token.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_open(&mut laptop).await;
}

#[tokio::test]
async fn a_password_reset_closes_every_socket_of_the_account() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let elsewhere = second_session(&server, &ada).await;
    let mut phone = server.connect(&ada).await;
    let mut laptop = server.connect(&elsewhere).await;
    let mut bob_phone = server.connect(&bob).await;

    let asked = server
        .post(
            "/api/auth/password-reset",
            None,
            json!({ "email": "ada@example.org" }),
        )
        .await;
    assert_eq!(asked.status, 202);
    let body = server.next_mail().await.expect("a reset mail").text_body();
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Use this code"))
        .expect("the mail explains the code");
    let confirmed = server
        .post(
            "/api/auth/password-reset/confirm",
            None,
            json!({ "token": lines[at + 2], "new_password": "a brand new secret" }),
        )
        .await;
    assert_eq!(confirmed.status, 204, "{:?}", confirmed.body);
    assert_eq!(phone.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_eq!(laptop.ended(CLOSE_WAIT).await, Ended::Closed(4001));
    assert_open(&mut bob_phone).await;
}

#[tokio::test]
async fn stopping_the_server_closes_every_socket_with_1001() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let mut ada_phone = server.connect(&ada).await;
    let mut ada_laptop = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    let (_, ada_phone, ada_laptop, bob_phone) = tokio::join!(
        server.stop(),
        ada_phone.ended(CLOSE_WAIT),
        ada_laptop.ended(CLOSE_WAIT),
        bob_phone.ended(CLOSE_WAIT),
    );
    for ended in [ada_phone, ada_laptop, bob_phone] {
        assert_eq!(ended, Ended::Closed(1001));
    }
}
