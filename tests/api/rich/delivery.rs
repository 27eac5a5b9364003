use super::said;
use crate::realtime::helpers::{client_id, put, server};
use palaver_tests::serde_json::json;

#[tokio::test]
async fn delivered_markers_move_forward_only_and_are_announced() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    for n in 0..3 {
        said(&server, &ada, &group, &format!("m{n}")).await;
    }
    let mut watcher = server.connect(&ada).await;
    let mut device = server.connect(&bob).await;

    let ack = device
        .command(json!({"type": "delivered", "client_id": client_id(), "conversation_id": group, "seq": 2}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let frame = watcher.next_of("delivered").await;
    assert_eq!(
        (
            frame["conversation_id"].as_str(),
            frame["user_id"].as_str(),
            frame["seq"].as_i64()
        ),
        (Some(group.as_str()), Some(bob.id.as_str()), Some(2))
    );
    // Beyond the last seq: refused, over WebSocket and REST alike.
    let refused = device
        .command(json!({"type": "delivered", "client_id": client_id(), "conversation_id": group, "seq": 4}))
        .await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("validation_failed"))
    );
    let path = format!("/api/conversations/{group}/delivered");
    assert_eq!(
        put(&server, &bob, &path, json!({"seq": 4})).await.status,
        400
    );
    let read = format!("/api/conversations/{group}/read");
    assert_eq!(
        put(&server, &bob, &read, json!({"seq": 4})).await.status,
        400
    );
    // Backwards: accepted, nothing moves.
    assert_eq!(
        put(&server, &bob, &path, json!({"seq": 1})).await.status,
        204
    );
    assert_eq!(
        put(&server, &bob, &path, json!({"seq": 3})).await.status,
        204
    );
    assert_eq!(
        watcher.next_of("delivered").await["seq"],
        3,
        "the backward move was not announced"
    );

    let members = server
        .get(
            &format!("/api/conversations/{group}/members"),
            Some(&ada.access_token),
        )
        .await;
    let bob_row = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == bob.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            bob_row["last_delivered_seq"].as_i64(),
            bob_row["last_read_seq"].as_i64()
        ),
        (Some(3), Some(0))
    );
    let stranger = server.register("eve").await;
    assert_eq!(
        put(&server, &stranger, &path, json!({"seq": 1}))
            .await
            .status,
        404
    );
}
