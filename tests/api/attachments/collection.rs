use super::*;
use palaver_tests::TestServer;
use std::time::{Duration, Instant};

#[tokio::test]
async fn attachments_never_posted_are_collected_once_old_enough() {
    let server = TestServer::start_with(&[
        ("PALAVER__ATTACHMENTS__ORPHAN_AGE_SECS", "1"),
        ("PALAVER__ATTACHMENTS__GC_INTERVAL_SECS", "1"),
    ])
    .await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let orphan = uploaded(&server, &ada, "orphan.txt", b"never posted\n").await;
    let kept = uploaded(&server, &ada, "kept.txt", b"posted\n").await;
    let sent = server
        .post(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
            serde_json::json!({"content": "x", "attachment_ids": [kept]}),
        )
        .await;
    assert_eq!(sent.status, 201);

    // Poll until the collector has run (every second here), within a generous bound.
    let deadline = Instant::now() + Duration::from_secs(30);
    let orphan_path = format!("/api/attachments/{orphan}/content");
    while fetch(&server, &ada, &orphan_path, &[]).await.0 == 200 {
        assert!(Instant::now() < deadline, "the orphan was never collected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(fetch(&server, &ada, &orphan_path, &[]).await.0, 404);
    // The posted one stays.
    let (status, _, bytes) = fetch(
        &server,
        &bob,
        &format!("/api/attachments/{kept}/content"),
        &[],
    )
    .await;
    assert_eq!((status, bytes.as_slice()), (200, b"posted\n".as_slice()));
}
