use super::{call, event_types, message, said};
use crate::realtime::helpers::{client_id, frames_before_marker, server, solo_group};
use palaver_tests::serde_json::json;
use reqwest::Method;

#[tokio::test]
async fn reactions_are_idempotent_events_summarised_on_the_message() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let id = said(&server, &ada, &group, "react to me").await; // 1
    let path = |emoji: &str| format!("/api/messages/{id}/reactions/{emoji}");

    for (who, emoji) in [(&bob, "👍"), (&ada, "👍"), (&bob, ":tada:"), (&bob, "👍🏽")] {
        let reply = call(&server, Method::PUT, who, &path(emoji)).await;
        assert_eq!(reply.status, 204, "{emoji}: {:?}", reply.body);
    }
    // A repeat changes nothing and logs nothing.
    assert_eq!(
        call(&server, Method::PUT, &bob, &path("👍")).await.status,
        204
    );
    assert_eq!(
        event_types(&server, &ada, &group, 1).await,
        ["reaction.added"; 4]
    );
    let events = server.events(&ada, &group, 1).await;
    assert_eq!(events[0]["emoji"], "👍");
    assert_eq!(events[0]["message_id"], id.as_str());
    assert_eq!(events[0]["user_id"], bob.id.as_str());

    let seen = message(&server, &ada, &group, &id).await;
    assert_eq!(
        seen["reactions"],
        json!([
            {"emoji": "👍", "count": 2, "user_ids": [bob.id, ada.id]},
            {"emoji": ":tada:", "count": 1, "user_ids": [bob.id]},
            {"emoji": "👍🏽", "count": 1, "user_ids": [bob.id]},
        ])
    );

    // Removing twice: one event.
    for _ in 0..2 {
        assert_eq!(
            call(&server, Method::DELETE, &bob, &path(":tada:"))
                .await
                .status,
            204
        );
    }
    assert_eq!(
        event_types(&server, &ada, &group, 5).await,
        ["reaction.removed"]
    );
    // Absent from the start: nothing logged either.
    assert_eq!(
        call(&server, Method::DELETE, &ada, &path("🎉"))
            .await
            .status,
        204
    );
    assert_eq!(event_types(&server, &ada, &group, 6).await.len(), 0);
    let seen = message(&server, &ada, &group, &id).await;
    assert_eq!(seen["reactions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn reactions_that_are_not_one_emoji_or_a_short_code_are_refused() {
    let server = server().await;
    let ada = server.register("ada").await;
    let group = server.create_conversation(&ada, "group", &[]).await;
    let id = said(&server, &ada, &group, "hi").await;
    for bad in ["a", "👍👍", ":A:", ":x:", "%3Cscript%3E", ":has%20space:"] {
        let reply = call(
            &server,
            Method::PUT,
            &ada,
            &format!("/api/messages/{id}/reactions/{bad}"),
        )
        .await;
        assert_eq!(reply.status, 400, "{bad}: {:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed");
        assert!(
            reply.body["error"]["details"].to_string().contains("emoji"),
            "{:?}",
            reply.body
        );
    }
    assert_eq!(event_types(&server, &ada, &group, 1).await.len(), 0);
}

#[tokio::test]
async fn channel_members_react_strangers_and_deleted_messages_are_not_found() {
    let server = server().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let channel = server.create_conversation(&ada, "channel", &[&bob]).await;
    let id = said(&server, &ada, &channel, "news").await;
    let path = format!("/api/messages/{id}/reactions/👍");
    assert_eq!(call(&server, Method::PUT, &bob, &path).await.status, 204);
    assert_eq!(call(&server, Method::PUT, &eve, &path).await.status, 404);
    let missing = format!("/api/messages/{}/reactions/👍", uuid::Uuid::new_v4());
    assert_eq!(call(&server, Method::PUT, &bob, &missing).await.status, 404);
    assert_eq!(
        call(
            &server,
            Method::DELETE,
            &ada,
            &format!("/api/messages/{id}")
        )
        .await
        .status,
        204
    );
    assert_eq!(call(&server, Method::PUT, &bob, &path).await.status, 404);
    // A deleted message keeps no reactions.
    let tombstone = message(&server, &ada, &channel, &id).await;
    assert_eq!(tombstone["reactions"], json!([]));
}

#[tokio::test]
async fn reaction_frames_reach_members_and_sync_recovers_them_without_doubling() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let id = said(&server, &ada, &group, "hi").await; // 1
    let marker_group = solo_group(&server, &bob).await;
    let mut live = server.connect(&bob).await;
    assert_eq!(
        call(
            &server,
            Method::PUT,
            &ada,
            &format!("/api/messages/{id}/reactions/❤️")
        )
        .await
        .status,
        204
    ); // 2
    let frame = live.next_of("reaction.added").await;
    assert_eq!(frame["seq"], 2);
    assert_eq!(frame["emoji"], "❤️");
    assert_eq!(frame["user_id"], ada.id.as_str());
    // A repeat sends nothing.
    assert_eq!(
        call(
            &server,
            Method::PUT,
            &ada,
            &format!("/api/messages/{id}/reactions/❤️")
        )
        .await
        .status,
        204
    );
    assert!(
        frames_before_marker(&server, &mut live, &bob, &marker_group)
            .await
            .is_empty()
    );

    // A client that saw seq 1 recovers the reaction and the unreaction by sync.
    assert_eq!(
        call(
            &server,
            Method::DELETE,
            &ada,
            &format!("/api/messages/{id}/reactions/❤️")
        )
        .await
        .status,
        204
    ); // 3
    let mut late = server.connect(&bob).await;
    late.send_json(
        json!({"type": "sync", "client_id": client_id(), "cursors": {group.clone(): 1}}),
    )
    .await;
    let added = late.next_of("reaction.added").await;
    let removed = late.next_of("reaction.removed").await;
    assert_eq!(
        (added["seq"].as_i64(), removed["seq"].as_i64()),
        (Some(2), Some(3))
    );
    let synced = late.next_of("synced").await;
    assert_eq!(synced["cursors"][&group], 3);
}
