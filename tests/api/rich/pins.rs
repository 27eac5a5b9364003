use super::{call, event_types, message, said};
use crate::realtime::helpers::{client_id, server};
use palaver_tests::serde_json::json;
use reqwest::Method;

#[tokio::test]
async fn pins_are_listed_newest_first_and_carried_by_messages() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let first = said(&server, &ada, &group, "first").await; // 1
    let second = said(&server, &bob, &group, "second").await; // 2
    let pin = |id: &str| format!("/api/conversations/{group}/pins/{id}");
    // Any member pins in a group; a repeat logs nothing.
    assert_eq!(
        call(&server, Method::PUT, &bob, &pin(&first)).await.status,
        204
    ); // 3
    assert_eq!(
        call(&server, Method::PUT, &ada, &pin(&second)).await.status,
        204
    ); // 4
    assert_eq!(
        call(&server, Method::PUT, &ada, &pin(&second)).await.status,
        204
    );
    assert_eq!(
        event_types(&server, &ada, &group, 2).await,
        ["message.pinned", "message.pinned"]
    );
    let events = server.events(&ada, &group, 2).await;
    assert_eq!(events[0]["message_id"], first.as_str());
    assert_eq!(events[0]["user_id"], bob.id.as_str());

    let list = server
        .get(
            &format!("/api/conversations/{group}/pins"),
            Some(&bob.access_token),
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["message"]["id"], second.as_str());
    assert_eq!(items[0]["pinned_by"], ada.id.as_str());
    assert_eq!(items[1]["message"]["id"], first.as_str());
    assert!(items[0]["pinned_at"].as_str().is_some());
    assert!(message(&server, &ada, &group, &first).await["pinned_at"].is_string());

    // Unpinning twice: one event; the message no longer carries the pin.
    for _ in 0..2 {
        assert_eq!(
            call(&server, Method::DELETE, &bob, &pin(&first))
                .await
                .status,
            204
        );
    }
    assert_eq!(
        event_types(&server, &ada, &group, 4).await,
        ["message.unpinned"]
    );
    assert!(message(&server, &ada, &group, &first).await["pinned_at"].is_null());

    // Sync from a cursor recovers pin events.
    let mut ws = server.connect(&bob).await;
    ws.send_json(json!({"type": "sync", "client_id": client_id(), "cursors": {group.clone(): 2}}))
        .await;
    for (kind, seq) in [
        ("message.pinned", 3),
        ("message.pinned", 4),
        ("message.unpinned", 5),
    ] {
        let frame = ws.next_of(kind).await;
        assert_eq!(frame["seq"], seq, "{frame}");
    }
    assert_eq!(ws.next_of("synced").await["cursors"][&group], 5);
}

#[tokio::test]
async fn channel_members_may_not_pin_and_foreign_messages_are_not_found() {
    let server = server().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let channel = server.create_conversation(&ada, "channel", &[&bob]).await;
    let other = server.create_conversation(&ada, "group", &[]).await;
    let news = said(&server, &ada, &channel, "news").await;
    let elsewhere = said(&server, &ada, &other, "elsewhere").await;
    let pin = |id: &str| format!("/api/conversations/{channel}/pins/{id}");

    let refused = call(&server, Method::PUT, &bob, &pin(&news)).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        call(&server, Method::DELETE, &bob, &pin(&news))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&server, Method::PUT, &eve, &pin(&news)).await.status,
        404
    );
    // A message of another conversation is documented as 404.
    assert_eq!(
        call(&server, Method::PUT, &ada, &pin(&elsewhere))
            .await
            .status,
        404
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        call(&server, Method::PUT, &ada, &pin(&unknown))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&server, Method::PUT, &ada, &pin("nope")).await.status,
        400
    );
    // The owner pins in a channel; members read the list, strangers do not.
    assert_eq!(
        call(&server, Method::PUT, &ada, &pin(&news)).await.status,
        204
    );
    let list = format!("/api/conversations/{channel}/pins");
    assert_eq!(
        server.get(&list, Some(&bob.access_token)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(server.get(&list, Some(&eve.access_token)).await.status, 404);
    // Deleting a pinned message unpins it.
    assert_eq!(
        call(
            &server,
            Method::DELETE,
            &ada,
            &format!("/api/messages/{news}")
        )
        .await
        .status,
        204
    );
    assert_eq!(
        server.get(&list, Some(&ada.access_token)).await.body["items"],
        json!([])
    );
}
