//! A server whose database is gone answers 503 `unavailable` with a `Retry-After`, in the
//! one error shape, rather than 500.

use palaver_tests::TestServer;
use serde_json::json;

#[tokio::test]
async fn a_request_after_the_database_was_removed_is_503_unavailable() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let ready = server.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{:?}", ready.body);

    server.remove_database();

    // A write needs the database on every backend (SQLite keeps reading a deleted file
    // through the connections it has open, but refuses to write it).
    let created = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "group", "name": "Team", "member_ids": [] }),
        )
        .await;
    assert_eq!(created.status, 503, "{:?}", created.body);
    assert_eq!(created.code(), "unavailable");
    let wait: u64 = created
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert!(wait >= 1);
    let registered = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "bob", "email": "bob@example.org", "password": palaver_tests::PASSWORD }),
        )
        .await;
    assert_eq!(registered.status, 503, "{:?}", registered.body);
    assert_eq!(registered.code(), "unavailable");
    let ready = server.get("/readyz", None).await;
    assert_eq!(ready.status, 503, "{:?}", ready.body);
}
