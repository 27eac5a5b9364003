use palaver_tests::{PASSWORD, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_message_is_created_once_per_client_id_even_when_resent_concurrently() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;

    let first = server.send(&bob, &group, "hello", Some("bob-1")).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["seq"], 1);
    assert_eq!(first.body["sender_id"], bob.id.as_str());
    assert_eq!(first.body["client_id"], "bob-1");
    let again = server.send(&bob, &group, "hello", Some("bob-1")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], first.body["id"]);

    let resends = (0..8).map(|_| server.send(&bob, &group, "hello again", Some("bob-2")));
    let replies = futures_util::future::join_all(resends).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|r| r.status == 201 || r.status == 200));
    let ids: std::collections::HashSet<_> =
        replies.iter().map(|r| r.body["id"].to_string()).collect();
    assert_eq!(ids.len(), 1);

    let events = server.events(&ada, &group, 0).await;
    assert_eq!(events.len(), 2, "one event per message, none for resends");
    // another sender may use the same client id
    assert_eq!(
        server
            .send(&ada, &group, "mine", Some("bob-1"))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn sends_validate_content_client_id_and_replies() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let other = server.create_conversation(&ada, "group", &[]).await;
    let elsewhere = server.send(&ada, &other, "elsewhere", None).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/conversations/{group}/messages");
    let cases = [
        json!({ "content": "   " }),
        json!({ "content": "x".repeat(4001) }),
        json!({ "content": "ok", "client_id": "has space" }),
        json!({ "content": "ok", "reply_to_id": elsewhere }),
        json!({ "content": "ok", "reply_to_id": uuid::Uuid::new_v4() }),
        json!({ "content": 5 }),
    ];
    for case in cases {
        let reply = server
            .post(&path, Some(&ada.access_token), case.clone())
            .await;
        assert_eq!(reply.status, 400, "{case}: {:?}", reply.body);
    }
    let first = server.send(&ada, &group, "  question  ", None).await;
    assert_eq!(first.body["content"], "question", "trimmed");
    let reply = server
        .post(
            &path,
            Some(&bob.access_token),
            json!({ "content": "answer", "reply_to_id": first.body["id"] }),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["reply_to_id"], first.body["id"]);
    // a client id already used in another conversation is a conflict
    server.send(&ada, &other, "x", Some("same")).await;
    assert_eq!(
        server.send(&ada, &group, "x", Some("same")).await.status,
        409
    );
}

#[tokio::test]
async fn history_pages_by_seq_in_ascending_order() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let group = server.create_conversation(&ada, "group", &[]).await;
    for n in 1..=7 {
        server.send(&ada, &group, &format!("m{n}"), None).await;
    }
    let path = format!("/api/conversations/{group}/messages");
    let seqs = |reply: &Value| -> Vec<i64> {
        reply["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect()
    };
    let token = Some(ada.access_token.as_str());
    let newest = server.get(&format!("{path}?limit=3"), token).await;
    assert_eq!(seqs(&newest.body), [5, 6, 7]);
    assert_eq!(newest.body["has_more"], true);
    let before = server
        .get(&format!("{path}?before_seq=5&limit=3"), token)
        .await;
    assert_eq!(seqs(&before.body), [2, 3, 4]);
    assert_eq!(before.body["has_more"], true);
    let oldest = server
        .get(&format!("{path}?before_seq=2&limit=3"), token)
        .await;
    assert_eq!(seqs(&oldest.body), [1]);
    assert_eq!(oldest.body["has_more"], false);
    let after = server.get(&format!("{path}?after_seq=5"), token).await;
    assert_eq!(seqs(&after.body), [6, 7]);
    assert_eq!(after.body["has_more"], false);
    let between = server
        .get(&format!("{path}?after_seq=2&before_seq=5"), token)
        .await;
    assert_eq!(seqs(&between.body), [3, 4]);
    for bad in [
        "?limit=0",
        "?limit=201",
        "?before_seq=-1",
        "?after_seq=5&before_seq=5",
        "?after_seq=x",
    ] {
        assert_eq!(
            server.get(&format!("{path}{bad}"), token).await.status,
            400,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn edits_and_deletions_are_events_and_deletion_leaves_a_tombstone() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let sent = server.send(&bob, &group, "first draft", None).await;
    let id = sent.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/messages/{id}");

    let edited = server
        .call(
            Method::PATCH,
            &path,
            Some(&bob.access_token),
            Some(json!({ "content": "final" })),
        )
        .await;
    assert_eq!(edited.status, 200);
    assert_eq!(edited.body["content"], "final");
    assert!(edited.body["edited_at"].is_string());
    assert_eq!(edited.body["seq"], 1, "a message keeps its seq");
    assert_eq!(
        server
            .call(
                Method::PATCH,
                &path,
                Some(&bob.access_token),
                Some(json!({ "content": "" }))
            )
            .await
            .status,
        400
    );

    assert_eq!(
        server
            .call(Method::DELETE, &path, Some(&bob.access_token), None)
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .call(Method::DELETE, &path, Some(&bob.access_token), None)
            .await
            .status,
        204,
        "deleting twice is harmless"
    );
    assert_eq!(
        server
            .call(
                Method::PATCH,
                &path,
                Some(&bob.access_token),
                Some(json!({ "content": "back" }))
            )
            .await
            .status,
        404
    );

    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
        )
        .await;
    let tombstone = &history.body["items"][0];
    assert_eq!(tombstone["content"], Value::Null);
    assert!(tombstone["deleted_at"].is_string());
    let events = server.events(&ada, &group, 0).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["message.created", "message.updated", "message.deleted"]
    );
    assert_eq!(events[2]["message_id"], id.as_str());
    assert_eq!(
        events[0]["message"]["content"],
        Value::Null,
        "the log keeps no deleted words"
    );
    assert_eq!(
        server
            .call(
                Method::PATCH,
                "/api/messages/not-a-uuid",
                Some(&bob.access_token),
                Some(json!({ "content": "x" }))
            )
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn search_finds_words_in_my_conversations_only() {
    let server = TestServer::start().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let ours = server.create_conversation(&ada, "group", &[&bob]).await;
    let theirs = server.create_conversation(&eve, "group", &[]).await;
    server
        .send(&ada, &ours, "the zebra crossing is closed", None)
        .await;
    server
        .send(&bob, &ours, "zebra zebra zebra everywhere", None)
        .await;
    let doomed = server.send(&bob, &ours, "a secret zebra plan", None).await;
    server.send(&eve, &theirs, "my own zebra", None).await;
    server
        .call(
            Method::DELETE,
            &format!("/api/messages/{}", doomed.body["id"].as_str().unwrap()),
            Some(&bob.access_token),
            None,
        )
        .await;

    let found = server
        .get("/api/search/messages?q=zebra", Some(&ada.access_token))
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    let contents: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents.len(), 2, "{contents:?}");
    assert!(
        !contents
            .iter()
            .any(|c| c.contains("secret") || c.contains("own")),
        "{contents:?}"
    );
    assert_eq!(
        contents[0], "zebra zebra zebra everywhere",
        "best match first"
    );

    let filtered = server
        .get(
            &format!("/api/search/messages?q=crossing&conversation_id={ours}"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
    let not_mine = server
        .get(
            &format!("/api/search/messages?q=zebra&conversation_id={theirs}"),
            Some(&ada.access_token),
        )
        .await;
    assert!(not_mine.body["items"].as_array().unwrap().is_empty());

    // after leaving, the conversation's messages are no longer found
    server
        .call(
            Method::DELETE,
            &format!("/api/conversations/{ours}/members/{}", bob.id),
            Some(&bob.access_token),
            None,
        )
        .await;
    let after_leaving = server
        .get("/api/search/messages?q=zebra", Some(&bob.access_token))
        .await;
    assert!(after_leaving.body["items"].as_array().unwrap().is_empty());

    assert_eq!(
        server
            .get("/api/search/messages?q=", Some(&ada.access_token))
            .await
            .status,
        400
    );
    assert_eq!(
        server
            .get("/api/search/messages", Some(&ada.access_token))
            .await
            .status,
        400
    );
    assert_eq!(
        server
            .get("/api/search/messages?q=zebra", None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_deleted_users_messages_stay_readable_from_a_deleted_sender() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&bob, "group", &[&ada]).await;
    server.send(&bob, &group, "remember me", None).await;
    let deleted = server
        .call(
            Method::DELETE,
            "/api/users/me",
            Some(&bob.access_token),
            Some(json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status, 204);

    let history = server
        .get(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(
        history.status, 200,
        "the conversation survives: ada took it over"
    );
    let message = &history.body["items"][0];
    assert_eq!(message["content"], "remember me");
    assert_eq!(message["sender_id"], Value::Null);
    let conversation = server
        .get(
            &format!("/api/conversations/{group}"),
            Some(&ada.access_token),
        )
        .await;
    assert_eq!(conversation.body["owner_id"], ada.id.as_str());
    assert_eq!(conversation.body["member_count"], 1);
    let types: Vec<String> = server
        .events(&ada, &group, 0)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["message.created", "member.left", "member.updated"]);
}

#[tokio::test]
async fn client_ids_are_exact_case_and_all() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let group = server.create_conversation(&ada, "group", &[]).await;
    let lower = server.send(&ada, &group, "one", Some("abc")).await;
    let upper = server.send(&ada, &group, "two", Some("ABC")).await;
    assert_eq!(lower.status, 201);
    assert_eq!(upper.status, 201, "ABC is not abc: {:?}", upper.body);
    assert_ne!(lower.body["id"], upper.body["id"]);
    assert_eq!(
        server.send(&ada, &group, "one", Some("abc")).await.body["id"],
        lower.body["id"]
    );
}

#[tokio::test]
async fn every_word_of_a_search_must_match() {
    let server = TestServer::start().await;
    let ada = server.register("ada").await;
    let group = server.create_conversation(&ada, "group", &[]).await;
    server
        .send(&ada, &group, "quarterly budget figures", None)
        .await;
    server.send(&ada, &group, "marketing plans", None).await;
    let search = |q: &'static str| {
        server.get_owned(
            format!("/api/search/messages?q={q}"),
            ada.access_token.clone(),
        )
    };
    let apart = search("budget%20marketing").await;
    assert_eq!(apart.status, 200);
    assert!(
        apart.body["items"].as_array().unwrap().is_empty(),
        "{:?}",
        apart.body
    );
    let together = search("quarterly%20budget").await;
    assert_eq!(together.body["items"].as_array().unwrap().len(), 1);
    // operators a search engine might interpret are just punctuation here
    let odd = search("%2Bbudget%20-quarterly%20(figures)").await;
    assert_eq!(odd.status, 200);
    assert_eq!(odd.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_sender_over_their_rate_gets_429_with_retry_after_but_resends_still_answer() {
    let server = TestServer::start_with(&[
        ("PALAVER__LIMITS__SENDS_PER_SECOND", "1"),
        ("PALAVER__LIMITS__SEND_BURST", "2"),
    ])
    .await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for n in 0..10 {
        let reply = server
            .send(&ada, &group, "spam", Some(&format!("ada-{n}")))
            .await;
        statuses.push(reply.status);
        if reply.status == 429 {
            limited = Some(reply);
        }
    }
    assert_eq!(&statuses[..2], [201, 201], "the burst passes: {statuses:?}");
    let limited = limited.expect("ten sends in a row exceed one a second");
    assert_eq!(limited.code(), "rate_limited");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    assert!(
        limited.body["error"]["details"]["retry_after_ms"]
            .as_u64()
            .unwrap()
            <= 1000
    );

    // a resend of a stored message is answered, limited or not; others are unaffected
    assert_eq!(
        server
            .send(&ada, &group, "spam", Some("ada-0"))
            .await
            .status,
        200
    );
    assert_eq!(server.send(&bob, &group, "hi", None).await.status, 201);
}
