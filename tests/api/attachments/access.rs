use super::*;
use palaver_tests::TestServer;

#[tokio::test]
async fn only_the_uploader_and_members_where_it_was_posted_see_an_attachment() {
    let server = TestServer::start().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let id = uploaded(&server, &ada, "secret.txt", b"for bob only\n").await;
    let paths = [
        format!("/api/attachments/{id}"),
        format!("/api/attachments/{id}/content"),
        format!("/api/attachments/{id}/thumbnail"),
    ];
    // Before it is posted, only its uploader.
    for who in [&bob, &eve] {
        for path in &paths {
            let (status, _, _) = fetch(&server, who, path, &[]).await;
            assert_eq!(status, 404, "{path}");
        }
    }
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let sent = server
        .post(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
            serde_json::json!({"content": "see attached", "attachment_ids": [id]}),
        )
        .await;
    assert_eq!(sent.status, 201, "{:?}", sent.body);
    // Now bob, a member, sees it; eve still gets 404, as for an id that does not exist.
    let (status, _, bytes) = fetch(&server, &bob, &paths[1], &[]).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (200, b"for bob only\n".as_slice())
    );
    let (status, _, _) = fetch(&server, &eve, &paths[1], &[]).await;
    assert_eq!(status, 404);
    let nowhere = format!("/api/attachments/{}", uuid::Uuid::new_v4());
    let (status, _, _) = fetch(&server, &eve, &nowhere, &[]).await;
    assert_eq!(status, 404);
    // Without a token: 401.
    let anonymous = server.get(&paths[0], None).await;
    assert_eq!(anonymous.status, 401);
}
