use super::PUSH_WAIT;
use palaver_tests::TestServer;
use palaver_tests::serde_json::json;
use reqwest::Method;

/// The raw message with quoted-printable soft breaks and `=3D` undone (enough to read
/// ASCII text and links out of either part).
fn unfolded(data: &str) -> String {
    data.replace("=\r\n", "").replace("=3D", "=")
}

fn token_after(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test]
async fn a_digest_mail_has_both_parts_and_its_unsubscribe_link_works_without_a_login() {
    let server = TestServer::start().await;
    let ann = server.register("ann").await;
    let bob = server.register("bob").await;
    let patched = server
        .call(
            Method::PATCH,
            "/api/users/me/preferences",
            Some(&bob.access_token),
            Some(json!({"email_notifications": "all", "email_delay_secs": 0})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let group = server.create_conversation(&ann, "group", &[&bob]).await;
    server.send(&ann, &group, "first news", None).await;
    server.send(&ann, &group, "second news", None).await;

    let mail = server.mail_within(PUSH_WAIT).await.expect("a digest mail");
    assert_eq!(mail.recipients, vec!["bob@example.org".to_owned()]);
    let data = unfolded(&mail.data);
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
    assert!(data.contains("ann: first news"), "{data}");
    assert!(data.contains("<strong>ann</strong>: second news"), "{data}");
    let marker = "/api/notifications/unsubscribe?token=";
    let token = token_after(&data, marker);

    // A tampered token is refused and changes nothing.
    let mut tampered = token.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let refused = server.get(&format!("{marker}{tampered}"), None).await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.code(), "validation_failed");
    let garbage = server.get(&format!("{marker}not-a-token"), None).await;
    assert_eq!(garbage.status, 400);

    let done = server.get(&format!("{marker}{token}"), None).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["unsubscribed"], "email");
    let preferences = server
        .get("/api/users/me/preferences", Some(&bob.access_token))
        .await;
    assert_eq!(preferences.body["email_notifications"], "never");

    // The other link mutes only this conversation.
    let mute = token_after(&data[data.find(marker).unwrap() + marker.len()..], marker);
    assert_ne!(mute, token);
    let muted = server.get(&format!("{marker}{mute}"), None).await;
    assert_eq!(muted.status, 200, "{:?}", muted.body);
    assert_eq!(muted.body["unsubscribed"], "conversation");
    assert_eq!(muted.body["conversation_id"], group.as_str());
}
