use super::{event_types, id_of, message, said, send_in};
use crate::realtime::helpers::{client_id, server, unread_count};
use palaver_tests::serde_json::json;

#[tokio::test]
async fn replies_join_a_thread_whose_root_is_summarised() {
    let server = server().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let group = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let root = said(&server, &ada, &group, "root").await; // 1
    let first = send_in(&server, &bob, &group, "first reply", Some(&root)).await; // 2
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["thread_root_id"], root.as_str());
    // A reply to a reply attaches to the same root.
    let nested = send_in(&server, &cyd, &group, "nested", Some(&id_of(&first.body))).await; // 3
    assert_eq!(nested.body["thread_root_id"], root.as_str());
    let again = send_in(&server, &bob, &group, "again", Some(&root)).await; // 4
    said(&server, &ada, &group, "not in the thread").await; // 5

    // Replies are ordinary message events too.
    assert_eq!(
        event_types(&server, &ada, &group, 1).await,
        ["message.created"; 4]
    );
    let seen = message(&server, &ada, &group, &root).await;
    assert_eq!(seen["thread"]["reply_count"], 3);
    assert_eq!(seen["thread"]["participant_ids"], json!([bob.id, cyd.id]));
    assert_eq!(seen["thread"]["last_reply_at"], again.body["created_at"]);
    assert_eq!(seen["thread_root_id"], json!(null));
    let plain = messages_without_thread(&server, &ada, &group).await;
    assert_eq!(plain, 4, "only the root carries a thread");

    let page = server
        .get(
            &format!("/api/messages/{root}/thread?limit=2"),
            Some(&cyd.access_token),
        )
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let seqs: Vec<i64> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        (seqs, page.body["has_more"].clone()),
        (vec![2, 3], json!(true))
    );
    let rest = server
        .get(
            &format!("/api/messages/{root}/thread?after_seq=3"),
            Some(&cyd.access_token),
        )
        .await;
    assert_eq!(rest.body["items"][0]["seq"], 4);
    assert_eq!(rest.body["has_more"], false);

    // Thread replies are unread messages like any other: exact counts.
    assert_eq!(unread_count(&server, &ada, &group).await, 3);
    assert_eq!(unread_count(&server, &cyd, &group).await, 4);
}

async fn messages_without_thread(
    server: &palaver_tests::TestServer,
    reader: &palaver_tests::Account,
    conversation: &str,
) -> usize {
    super::messages(server, reader, conversation)
        .await
        .iter()
        .filter(|m| m["thread"].is_null())
        .count()
}

#[tokio::test]
async fn a_root_elsewhere_deleted_or_unknown_is_refused_and_nothing_is_stored() {
    let server = server().await;
    let (ada, eve) = (server.register("ada").await, server.register("eve").await);
    let group = server.create_conversation(&ada, "group", &[]).await;
    let other = server.create_conversation(&ada, "group", &[]).await;
    let elsewhere = said(&server, &ada, &other, "elsewhere").await;
    let gone = said(&server, &ada, &group, "soon gone").await; // 1
    let deleted = server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/messages/{gone}"),
            Some(&ada.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204); // 2
    for root in [elsewhere, gone, uuid::Uuid::new_v4().to_string()] {
        let reply = send_in(&server, &ada, &group, "reply", Some(&root)).await;
        assert_eq!(reply.status, 400, "{:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed");
        assert!(
            reply.body.to_string().contains("thread_root_id"),
            "{:?}",
            reply.body
        );
    }
    let bad = send_in(&server, &ada, &group, "reply", Some("not-a-uuid")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(event_types(&server, &ada, &group, 2).await.len(), 0);

    // Over the WebSocket too, and only the bad item fails.
    let root = said(&server, &ada, &group, "root").await; // 3
    let mut ws = server.connect(&ada).await;
    let refused = ws
        .command(
            json!({"type": "message.send", "conversation_id": group, "content": "x",
                        "client_id": client_id(), "thread_root_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "validation_failed");
    let ack = ws
        .command(
            json!({"type": "message.send", "conversation_id": group, "content": "y",
                        "client_id": client_id(), "thread_root_id": root}),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["message"]["thread_root_id"], root.as_str());

    // Strangers see no thread.
    let stranger = server
        .get(
            &format!("/api/messages/{root}/thread"),
            Some(&eve.access_token),
        )
        .await;
    assert_eq!(stranger.status, 404);
    let bad_limit = server
        .get(
            &format!("/api/messages/{root}/thread?limit=0"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(bad_limit.status, 400);
}

#[tokio::test]
async fn plain_channel_members_do_not_reply() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let channel = server.create_conversation(&ada, "channel", &[&bob]).await;
    let root = said(&server, &ada, &channel, "news").await;
    let reply = send_in(&server, &bob, &channel, "me too", Some(&root)).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
}
