//! The admin API: every conversation and the server's statistics, for global admins only.

use palaver_tests::TestServer;
use palaver_tests::serde_json::json;
use reqwest::Method;

#[tokio::test]
async fn only_a_global_admin_lists_every_conversation_and_reads_the_stats() {
    let server = TestServer::start().await;
    let (root, ann) = (server.register("root").await, server.register("ann").await);
    server.grant_admin(&root).await;
    for path in ["/api/admin/conversations", "/api/admin/stats"] {
        let anonymous = server.get(path, None).await;
        assert_eq!(
            (anonymous.status, anonymous.code()),
            (401, "unauthorized"),
            "{path}"
        );
        let plain = server.get(path, Some(&ann.access_token)).await;
        assert_eq!((plain.status, plain.code()), (403, "forbidden"), "{path}");
        let admin = server.get(path, Some(&root.access_token)).await;
        assert_eq!(admin.status, 200, "{path}: {:?}", admin.body);
    }
}

#[tokio::test]
async fn admins_page_through_and_search_conversations_they_are_not_in() {
    let server = TestServer::start().await;
    let (root, ann, bob) = (
        server.register("root").await,
        server.register("ann").await,
        server.register("bob").await,
    );
    server.grant_admin(&root).await;
    let mut names = Vec::new();
    for name in ["Garden Club", "Book club", "Ops"] {
        let reply = server
            .post(
                "/api/conversations",
                Some(&ann.access_token),
                json!({"kind": "group", "name": name, "member_ids": [bob.id]}),
            )
            .await;
        assert_eq!(reply.status, 201);
        names.push(name);
    }
    let token = Some(root.access_token.as_str());

    let first = server.get("/api/admin/conversations?limit=2", token).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let listed = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed(&first.body), ["Ops", "Book club"], "newest first");
    assert!(
        first.body["items"][0].get("my_role").is_none(),
        "the admin is no member"
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = server
        .get(
            &format!("/api/admin/conversations?limit=2&cursor={cursor}"),
            token,
        )
        .await;
    assert_eq!(listed(&rest.body), ["Garden Club"]);
    assert!(rest.body["next_cursor"].is_null());

    let clubs = server.get("/api/admin/conversations?q=CLUB", token).await;
    assert_eq!(listed(&clubs.body), ["Book club", "Garden Club"]);

    let long = "x".repeat(101);
    for bad in [
        format!("/api/admin/conversations?q={long}"),
        "/api/admin/conversations?cursor=bm90LWEtY3Vyc29y".to_owned(),
        "/api/admin/conversations?limit=0".to_owned(),
    ] {
        let reply = server.get(&bad, token).await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "validation_failed"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn stats_count_the_store_and_this_nodes_connections() {
    let server = TestServer::start().await;
    let (root, ann) = (server.register("root").await, server.register("ann").await);
    server.grant_admin(&root).await;
    let conversation = server.create_conversation(&ann, "group", &[&root]).await;
    for text in ["one", "two", "three"] {
        assert_eq!(
            server.send(&ann, &conversation, text, None).await.status,
            201
        );
    }
    let message = server.send(&ann, &conversation, "gone", None).await;
    let id = message.body["id"].as_str().unwrap();
    let deleted = server
        .call(
            Method::DELETE,
            &format!("/api/messages/{id}"),
            Some(&ann.access_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let _first = server.connect(&ann).await;
    let _second = server.connect(&ann).await;

    let stats = server
        .get("/api/admin/stats", Some(&root.access_token))
        .await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    let body = &stats.body;
    assert_eq!(body["users"], 2);
    assert_eq!(body["online_users"], 1);
    assert_eq!(body["conversations"], 1);
    assert_eq!(
        body["messages_total"], 4,
        "tombstones count: they were sent"
    );
    assert_eq!(body["messages_today"], 4);
    let nodes = body["connections"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "a single node: {nodes:?}");
    assert_eq!(nodes[0]["this_node"], true);
    assert_eq!(nodes[0]["users"], 1);
    assert_eq!(nodes[0]["connections"], 2);
}

#[tokio::test]
async fn an_admin_deleting_someone_may_leave_the_body_out_but_not_send_a_wrong_one() {
    let server = TestServer::start().await;
    let (root, ann) = (server.register("root").await, server.register("ann").await);
    server.grant_admin(&root).await;
    let path = format!("/api/users/{}", ann.id);
    let token = Some(root.access_token.as_str());
    let wrong = server
        .call(Method::DELETE, &path, token, Some(json!({"password": 7})))
        .await;
    assert_eq!((wrong.status, wrong.code()), (400, "validation_failed"));
    assert_eq!(server.get(&path, token).await.status, 200, "still there");
    let bare = server.call(Method::DELETE, &path, token, None).await;
    assert_eq!(bare.status, 204);
    assert_eq!(server.get(&path, token).await.status, 404);
}
