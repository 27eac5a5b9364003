use palaver_tests::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_direct_conversation_exists_once_per_pair_whoever_asks() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    async fn create(
        server: &TestServer,
        by: &palaver_tests::Account,
        other: &str,
    ) -> palaver_tests::Reply {
        server
            .post(
                "/api/conversations",
                Some(&by.access_token),
                json!({ "kind": "direct", "member_ids": [other] }),
            )
            .await
    }
    let first = create(&server, &ada, &bob.id).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["kind"], "direct");
    assert_eq!(first.body["member_count"], 2);
    assert_eq!(first.body["name"], Value::Null);
    let again = create(&server, &ada, &bob.id).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], first.body["id"]);
    let from_bob = create(&server, &bob, &ada.id).await;
    assert_eq!(from_bob.status, 200);
    assert_eq!(from_bob.body["id"], first.body["id"]);
}

#[tokio::test]
async fn creating_conversations_validates_kind_name_and_members() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let cases = [
        json!({ "kind": "direct", "member_ids": [] }),
        json!({ "kind": "direct", "member_ids": [ada.id] }),
        json!({ "kind": "direct", "member_ids": [uuid::Uuid::new_v4()] }),
        json!({ "kind": "group", "member_ids": [bob.id] }),
        json!({ "kind": "group", "name": "  ", "member_ids": [bob.id] }),
        json!({ "kind": "forum", "name": "x" }),
        json!({ "kind": "group", "name": "x".repeat(101) }),
    ];
    for case in cases {
        let reply = server
            .post("/api/conversations", Some(&ada.access_token), case.clone())
            .await;
        assert_eq!(reply.status, 400, "{case}: {:?}", reply.body);
        assert_eq!(reply.code(), "validation_failed");
    }
    let no_token = server
        .post(
            "/api/conversations",
            None,
            json!({ "kind": "group", "name": "x" }),
        )
        .await;
    assert_eq!(no_token.status, 401);
}

#[tokio::test]
async fn the_list_orders_by_activity_with_last_message_and_exact_unread_counts() {
    let server = TestServer::start().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let quiet = server.create_conversation(&ada, "group", &[&bob]).await;
    let busy = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    for (from, text) in [
        (&bob, "one"),
        (&cyd, "two"),
        (&ada, "mine"),
        (&bob, "three"),
    ] {
        assert_eq!(server.send(from, &busy, text, None).await.status, 201);
    }
    // cyd edits hers, bob deletes his last one: 3 unread for ada (one, two) minus the deletion
    let messages = server
        .get(
            &format!("/api/conversations/{busy}/messages"),
            Some(&ada.access_token),
        )
        .await;
    let items = messages.body["items"].as_array().unwrap().clone();
    let id_of = |text: &str| {
        items.iter().find(|m| m["content"] == text).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        server
            .call(
                Method::PATCH,
                &format!("/api/messages/{}", id_of("two")),
                Some(&cyd.access_token),
                Some(json!({ "content": "two, edited" }))
            )
            .await
            .status,
        200
    );
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/api/messages/{}", id_of("three")),
                Some(&bob.access_token),
                None
            )
            .await
            .status,
        204
    );

    let list = server
        .get("/api/conversations", Some(&ada.access_token))
        .await;
    assert_eq!(list.status, 200);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], busy.as_str(), "latest activity first");
    assert_eq!(items[1]["id"], quiet.as_str());
    assert_eq!(
        items[0]["unread_count"], 2,
        "one, two: not mine, not deleted"
    );
    assert_eq!(items[0]["my_role"], "owner");
    assert_eq!(
        items[0]["last_message"]["content"],
        Value::Null,
        "the last message is the tombstone"
    );
    assert_eq!(items[1]["last_message"], Value::Null);
    assert_eq!(items[1]["unread_count"], 0);

    let bob_view = server
        .get("/api/conversations", Some(&bob.access_token))
        .await;
    let busy_for_bob = bob_view.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == busy.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        busy_for_bob["unread_count"], 2,
        "two (edited) and mine: bob's own don't count"
    );
    assert_eq!(busy_for_bob["my_role"], "member");

    // Reading up to the last seq clears ada's count; the marker never moves back.
    let last_seq = items[0]["last_seq"].as_i64().unwrap();
    let read_path = format!("/api/conversations/{busy}/read");
    let read = |seq: i64| {
        server.call(
            Method::PUT,
            &read_path,
            Some(&ada.access_token),
            Some(json!({ "seq": seq })),
        )
    };
    assert_eq!(read(last_seq).await.status, 204);
    assert_eq!(read(1).await.status, 204);
    let after = server
        .get("/api/conversations", Some(&ada.access_token))
        .await;
    assert_eq!(after.body["items"][0]["unread_count"], 0);
    let members = server
        .get(
            &format!("/api/conversations/{busy}/members"),
            Some(&ada.access_token),
        )
        .await;
    let ada_member = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == ada.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        ada_member["last_read_seq"], last_seq,
        "the marker did not move back"
    );
    assert_eq!(read(last_seq + 1).await.status, 400);

    let paged = server
        .get("/api/conversations?limit=1", Some(&ada.access_token))
        .await;
    let cursor = paged.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = server
        .get(
            &format!("/api/conversations?limit=1&cursor={cursor}"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(rest.body["items"][0]["id"], quiet.as_str());
    assert_eq!(rest.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn membership_changes_are_logged_events_with_gap_free_seqs() {
    let server = TestServer::start().await;
    let (ada, bob, cyd, dan) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
        server.register("dan").await,
    );
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let path = format!("/api/conversations/{group}");
    let token = Some(ada.access_token.as_str());

    let added = server
        .post(
            &format!("{path}/members"),
            token,
            json!({ "user_ids": [cyd.id, dan.id, bob.id] }),
        )
        .await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    assert_eq!(
        added.body["added"].as_array().unwrap().len(),
        2,
        "bob was in already"
    );
    assert_eq!(
        server
            .call(
                Method::PATCH,
                &format!("{path}/members/{}", cyd.id),
                token,
                Some(json!({ "role": "admin" }))
            )
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .call(
                Method::PATCH,
                &path,
                token,
                Some(json!({ "name": "Renamed" }))
            )
            .await
            .body["name"],
        "Renamed"
    );
    assert_eq!(server.send(&bob, &group, "hello", None).await.status, 201);
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("{path}/members/{}", dan.id),
                token,
                None
            )
            .await
            .status,
        204
    );

    let events = server.events(&ada, &group, 0).await;
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=6).collect::<Vec<_>>());
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "member.joined",
            "member.joined",
            "member.updated",
            "conversation.updated",
            "message.created",
            "member.left"
        ]
    );
    assert_eq!(events[2]["role"], "admin");
    assert_eq!(events[3]["conversation"]["name"], "Renamed");
    assert_eq!(events[4]["message"]["content"], "hello");

    // exactly the events after a seq, in pages
    let after_three = server
        .get(&format!("{path}/events?after_seq=3&limit=2"), token)
        .await;
    let page: Vec<i64> = after_three.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(page, [4, 5]);
    assert_eq!(after_three.body["has_more"], true);
    let last = server
        .get(&format!("{path}/events?after_seq=5"), token)
        .await;
    assert_eq!(last.body["has_more"], false);
    assert_eq!(
        server
            .get(&format!("{path}/events?after_seq=-1"), token)
            .await
            .status,
        400
    );

    let conversation = server.get(&path, token).await;
    assert_eq!(conversation.body["last_seq"], 6);
    assert_eq!(conversation.body["member_count"], 3);
    // dan left: the conversation no longer exists for him
    assert_eq!(server.get(&path, Some(&dan.access_token)).await.status, 404);
}

#[tokio::test]
async fn an_owner_who_leaves_hands_on_and_the_last_one_out_deletes() {
    let server = TestServer::start().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let group = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let path = format!("/api/conversations/{group}");
    server
        .call(
            Method::PATCH,
            &format!("{path}/members/{}", cyd.id),
            Some(&ada.access_token),
            Some(json!({ "role": "admin" })),
        )
        .await;

    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("{path}/members/{}", ada.id),
                Some(&ada.access_token),
                None
            )
            .await
            .status,
        204
    );
    let seen = server.get(&path, Some(&cyd.access_token)).await;
    assert_eq!(
        seen.body["owner_id"],
        cyd.id.as_str(),
        "the longest-standing admin takes over"
    );
    assert_eq!(seen.body["my_role"], "owner");

    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("{path}/members/{}", cyd.id),
                Some(&cyd.access_token),
                None
            )
            .await
            .status,
        204
    );
    assert_eq!(
        server.get(&path, Some(&bob.access_token)).await.body["owner_id"],
        bob.id.as_str(),
        "else the longest-standing member"
    );

    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("{path}/members/{}", bob.id),
                Some(&bob.access_token),
                None
            )
            .await
            .status,
        204
    );
    for who in [&ada, &bob, &cyd] {
        assert_eq!(server.get(&path, Some(&who.access_token)).await.status, 404);
    }
}

#[tokio::test]
async fn deleting_a_conversation_takes_its_messages_and_events_along() {
    let server = TestServer::start().await;
    let (ada, bob, root) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("root").await,
    );
    server.grant_admin(&root).await;
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let sent = server.send(&bob, &group, "soon gone", None).await;
    let message = sent.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/api/conversations/{group}"),
                Some(&ada.access_token),
                None
            )
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .get(
                &format!("/api/conversations/{group}/messages"),
                Some(&bob.access_token)
            )
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .get(
                &format!("/api/conversations/{group}"),
                Some(&root.access_token)
            )
            .await
            .status,
        404
    );
    assert_eq!(
        server
            .call(
                Method::PATCH,
                &format!("/api/messages/{message}"),
                Some(&bob.access_token),
                Some(json!({ "content": "x" }))
            )
            .await
            .status,
        404
    );
    let search = server
        .get("/api/search/messages?q=gone", Some(&bob.access_token))
        .await;
    assert!(search.body["items"].as_array().unwrap().is_empty());

    // a direct conversation: either side may delete it
    let direct = server
        .post(
            "/api/conversations",
            Some(&ada.access_token),
            json!({ "kind": "direct", "member_ids": [bob.id] }),
        )
        .await;
    let direct = direct.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/api/conversations/{direct}/members/{}", bob.id),
                Some(&bob.access_token),
                None
            )
            .await
            .status,
        403
    );
    assert_eq!(
        server
            .call(
                Method::DELETE,
                &format!("/api/conversations/{direct}"),
                Some(&bob.access_token),
                None
            )
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn conversation_routes_validate_their_input() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let path = format!("/api/conversations/{group}");
    let token = Some(ada.access_token.as_str());
    let cases: Vec<(Method, String, Value, u16)> = vec![
        (Method::PATCH, path.clone(), json!({ "name": "" }), 400),
        (
            Method::POST,
            format!("{path}/members"),
            json!({ "user_ids": [] }),
            400,
        ),
        (
            Method::POST,
            format!("{path}/members"),
            json!({ "user_ids": [uuid::Uuid::new_v4()] }),
            400,
        ),
        (
            Method::PATCH,
            format!("{path}/members/{}", bob.id),
            json!({ "role": "owner" }),
            400,
        ),
        (
            Method::PATCH,
            format!("{path}/members/{}", bob.id),
            json!({ "role": "king" }),
            400,
        ),
        (
            Method::PATCH,
            format!("{path}/members/{}", uuid::Uuid::new_v4()),
            json!({ "role": "admin" }),
            404,
        ),
        (
            Method::PUT,
            format!("{path}/read"),
            json!({ "seq": -1 }),
            400,
        ),
        (
            Method::PUT,
            format!("{path}/read"),
            json!({ "seq": "x" }),
            400,
        ),
        (
            Method::GET,
            "/api/conversations/not-a-uuid".into(),
            Value::Null,
            400,
        ),
        (
            Method::GET,
            format!("/api/conversations/{}", uuid::Uuid::new_v4()),
            Value::Null,
            404,
        ),
    ];
    for (method, route, body, status) in cases {
        let body = (!body.is_null()).then_some(body);
        let reply = server
            .call(method.clone(), &route, token, body.clone())
            .await;
        assert_eq!(
            reply.status, status,
            "{method} {route} {body:?}: {:?}",
            reply.body
        );
    }
}
