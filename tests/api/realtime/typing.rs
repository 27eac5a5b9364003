//! `typing`: relayed to the other members, never back to the typist, and ended by a
//! timeout (1 s in the test config), a message, an explicit stop, or a closed connection.

use super::helpers::{client_id, frames_before_marker, send_ws, server, server_with};
use palaver_tests::WsClient;
use palaver_tests::serde_json::{Value, json};
use std::time::{Duration, Instant};

fn typing(conversation: &str, is_typing: bool) -> Value {
    json!({
        "type": "typing",
        "conversation_id": conversation,
        "is_typing": is_typing,
        "client_id": client_id(),
    })
}

/// Sends a typing command and checks it is acked.
async fn set_typing(client: &mut WsClient, conversation: &str, is_typing: bool) {
    let frame = typing(conversation, is_typing);
    let ack = client.command(frame.clone()).await;
    assert_eq!(ack["type"], "ack", "{frame}: {ack}");
    assert_eq!(ack["client_id"], frame["client_id"]);
    assert!(ack["message"].is_null());
}

/// The test config's typing timeout.
const TIMEOUT: Duration = Duration::from_millis(1000);

#[tokio::test]
async fn typing_reaches_the_others_but_not_the_typist_and_lapses_without_renewal() {
    let server = server().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let conversation = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut cyd_phone = server.connect(&cyd).await;

    let started = Instant::now();
    set_typing(&mut ada_phone, &conversation, true).await;
    for client in [&mut bob_phone, &mut cyd_phone] {
        let frame = client.next_of("typing").await;
        assert_eq!(frame["conversation_id"], json!(conversation));
        assert_eq!(frame["user_id"], json!(ada.id));
        assert_eq!(frame["is_typing"], true);
        assert!(frame.get("seq").is_none(), "typing is ephemeral: {frame}");
    }
    // No renewal: the others hear that Ada stopped, no sooner than the timeout.
    for client in [&mut bob_phone, &mut cyd_phone] {
        let frame = client.next_of("typing").await;
        assert_eq!(frame["user_id"], json!(ada.id));
        assert_eq!(frame["is_typing"], false, "{frame}");
    }
    assert!(
        started.elapsed() >= TIMEOUT,
        "typing lapsed after {:?}",
        started.elapsed()
    );

    // Ada's own connection heard none of it.
    let adas = frames_before_marker(&server, &mut ada_phone, &bob, &conversation).await;
    assert!(
        adas.iter().all(|f| f["type"] != "typing"),
        "the typist got {adas:?}"
    );
}

#[tokio::test]
async fn renewals_keep_typing_alive_and_a_stop_ends_it() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    set_typing(&mut ada_phone, &conversation, true).await;
    let frame = bob_phone.next_of("typing").await;
    assert_eq!(frame["is_typing"], true);
    // Renew well within the timeout for more than two timeouts.
    let renewing = Instant::now();
    while renewing.elapsed() < TIMEOUT * 5 / 2 {
        tokio::time::sleep(TIMEOUT / 5).await;
        set_typing(&mut ada_phone, &conversation, true).await;
    }
    let heard = frames_before_marker(&server, &mut bob_phone, &ada, &conversation).await;
    let typing: Vec<_> = heard.iter().filter(|f| f["type"] == "typing").collect();
    assert!(
        typing.iter().all(|f| f["is_typing"] == true),
        "typing did not lapse while renewed: {heard:?}"
    );
    // Renewals are passed on at most once per half timeout, not one for one.
    assert!(
        (1..=6).contains(&typing.len()),
        "renewals were relayed now and then: {heard:?}"
    );

    set_typing(&mut ada_phone, &conversation, false).await;
    let frame = bob_phone.next_of("typing").await;
    assert_eq!(frame["user_id"], json!(ada.id));
    assert_eq!(frame["is_typing"], false);
}

#[tokio::test]
async fn a_message_ends_the_typing_that_led_to_it() {
    // A long timeout: only the message can end the typing.
    let server = server_with(&[("PALAVER__REALTIME__TYPING_TIMEOUT_MS", "60000")]).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let other = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    set_typing(&mut ada_phone, &conversation, true).await;
    set_typing(&mut ada_phone, &other, true).await;
    for _ in 0..2 {
        assert_eq!(bob_phone.next_of("typing").await["is_typing"], true);
    }
    let ack = send_ws(&mut ada_phone, &conversation, "done typing").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let frame = bob_phone.next_of("typing").await;
    assert_eq!(frame["conversation_id"], json!(conversation));
    assert_eq!(frame["user_id"], json!(ada.id));
    assert_eq!(frame["is_typing"], false);
    // Typing in the other conversation goes on.
    let heard = frames_before_marker(&server, &mut bob_phone, &ada, &other).await;
    assert!(
        heard.iter().all(|f| f["type"] != "typing"),
        "typing elsewhere ended too: {heard:?}"
    );
}

#[tokio::test]
async fn closing_the_connection_ends_its_typing() {
    let server = server_with(&[("PALAVER__REALTIME__TYPING_TIMEOUT_MS", "60000")]).await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    set_typing(&mut ada_phone, &conversation, true).await;
    assert_eq!(bob_phone.next_of("typing").await["is_typing"], true);
    ada_phone.close().await;
    let frame = bob_phone.next_of("typing").await;
    assert_eq!(frame["conversation_id"], json!(conversation));
    assert_eq!(frame["user_id"], json!(ada.id));
    assert_eq!(frame["is_typing"], false);
}
