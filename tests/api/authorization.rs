//! Each conversation and message route against each kind of caller, on a fresh group.

use palaver_tests::{Account, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

/// A group with an owner, an admin and a member; a global admin and a stranger outside.
struct Cast {
    owner: Account,
    admin: Account,
    other_admin: Account,
    member: Account,
    other_member: Account,
    global_admin: Account,
    stranger: Account,
    extra: Account,
    conversation: String,
    member_message: String,
}

async fn cast(server: &TestServer, tag: usize, kind: &str) -> Cast {
    let name = |role: &str| format!("{role}{tag}");
    let owner = server.register(&name("owner")).await;
    let admin = server.register(&name("admin")).await;
    let other_admin = server.register(&name("admin_b")).await;
    let member = server.register(&name("member")).await;
    let other_member = server.register(&name("member_b")).await;
    let global_admin = server.register(&name("root")).await;
    let stranger = server.register(&name("eve")).await;
    let extra = server.register(&name("extra")).await;
    server.grant_admin(&global_admin).await;
    let conversation = server
        .create_conversation(
            &owner,
            kind,
            &[&admin, &other_admin, &member, &other_member],
        )
        .await;
    for promoted in [&admin, &other_admin] {
        let promote = server
            .call(
                Method::PATCH,
                &format!("/api/conversations/{conversation}/members/{}", promoted.id),
                Some(&owner.access_token),
                Some(json!({ "role": "admin" })),
            )
            .await;
        assert_eq!(promote.status, 204, "{:?}", promote.body);
    }
    // In a channel the member cannot post: the owner's message stands in for theirs.
    let author = if kind == "channel" { &owner } else { &member };
    let sent = server.send(author, &conversation, "a message", None).await;
    assert_eq!(sent.status, 201);
    let member_message = sent.body["id"].as_str().unwrap().to_owned();
    Cast {
        owner,
        admin,
        other_admin,
        member,
        other_member,
        global_admin,
        stranger,
        extra,
        conversation,
        member_message,
    }
}

struct Route {
    name: &'static str,
    method: Method,
    path: fn(&Cast) -> String,
    body: fn(&Cast) -> Option<Value>,
    /// Expected status for: stranger, member, admin, owner, global admin.
    expected: [u16; 5],
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            name: "get conversation",
            method: Method::GET,
            path: |c| format!("/api/conversations/{}", c.conversation),
            body: |_| None,
            expected: [404, 200, 200, 200, 200],
        },
        Route {
            name: "rename",
            method: Method::PATCH,
            path: |c| format!("/api/conversations/{}", c.conversation),
            body: |_| Some(json!({ "name": "Renamed" })),
            expected: [404, 403, 200, 200, 404],
        },
        Route {
            name: "list members",
            method: Method::GET,
            path: |c| format!("/api/conversations/{}/members", c.conversation),
            body: |_| None,
            expected: [404, 200, 200, 200, 200],
        },
        Route {
            name: "add members",
            method: Method::POST,
            path: |c| format!("/api/conversations/{}/members", c.conversation),
            body: |c| Some(json!({ "user_ids": [c.extra.id] })),
            expected: [404, 403, 200, 200, 404],
        },
        Route {
            name: "change role",
            method: Method::PATCH,
            path: |c| {
                format!(
                    "/api/conversations/{}/members/{}",
                    c.conversation, c.member.id
                )
            },
            body: |_| Some(json!({ "role": "admin" })),
            expected: [404, 403, 403, 204, 404],
        },
        Route {
            name: "remove member",
            method: Method::DELETE,
            path: |c| {
                format!(
                    "/api/conversations/{}/members/{}",
                    c.conversation, c.member.id
                )
            },
            body: |_| None,
            expected: [404, 204, 204, 204, 404],
        },
        Route {
            name: "remove admin",
            method: Method::DELETE,
            path: |c| {
                format!(
                    "/api/conversations/{}/members/{}",
                    c.conversation, c.admin.id
                )
            },
            body: |_| None,
            expected: [404, 403, 204, 204, 404],
        },
        Route {
            name: "remove another member",
            method: Method::DELETE,
            path: |c| {
                format!(
                    "/api/conversations/{}/members/{}",
                    c.conversation, c.other_member.id
                )
            },
            body: |_| None,
            expected: [404, 403, 204, 204, 404],
        },
        Route {
            name: "remove another admin",
            method: Method::DELETE,
            path: |c| {
                format!(
                    "/api/conversations/{}/members/{}",
                    c.conversation, c.other_admin.id
                )
            },
            body: |_| None,
            expected: [404, 403, 403, 204, 404],
        },
        Route {
            name: "search in it",
            method: Method::GET,
            path: |c| {
                format!(
                    "/api/search/messages?q=message&conversation_id={}",
                    c.conversation
                )
            },
            body: |_| None,
            expected: [200, 200, 200, 200, 200],
        },
        Route {
            name: "send",
            method: Method::POST,
            path: |c| format!("/api/conversations/{}/messages", c.conversation),
            body: |_| Some(json!({ "content": "hi" })),
            expected: [404, 201, 201, 201, 404],
        },
        Route {
            name: "list messages",
            method: Method::GET,
            path: |c| format!("/api/conversations/{}/messages", c.conversation),
            body: |_| None,
            expected: [404, 200, 200, 200, 404],
        },
        Route {
            name: "mark read",
            method: Method::PUT,
            path: |c| format!("/api/conversations/{}/read", c.conversation),
            body: |_| Some(json!({ "seq": 1 })),
            expected: [404, 204, 204, 204, 404],
        },
        Route {
            name: "events",
            method: Method::GET,
            path: |c| format!("/api/conversations/{}/events", c.conversation),
            body: |_| None,
            expected: [404, 200, 200, 200, 404],
        },
        Route {
            name: "edit the member's message",
            method: Method::PATCH,
            path: |c| format!("/api/messages/{}", c.member_message),
            body: |_| Some(json!({ "content": "edited" })),
            expected: [404, 200, 403, 403, 404],
        },
        Route {
            name: "delete the member's message",
            method: Method::DELETE,
            path: |c| format!("/api/messages/{}", c.member_message),
            body: |_| None,
            expected: [404, 204, 204, 204, 404],
        },
        Route {
            name: "delete conversation",
            method: Method::DELETE,
            path: |c| format!("/api/conversations/{}", c.conversation),
            body: |_| None,
            expected: [404, 403, 403, 204, 204],
        },
    ]
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_the_contract_says() {
    let server = TestServer::start().await;
    let failures = run_matrix(&server, "group", routes()).await;
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn in_a_channel_only_the_owner_and_admins_post_and_the_rest_is_as_in_a_group() {
    let server = TestServer::start().await;
    let mut channel_routes = routes();
    for route in &mut channel_routes {
        if route.name == "send" {
            route.expected = [404, 403, 201, 201, 404];
        }
        if route.name.starts_with("edit") {
            // the message is the owner's here: only the owner (its sender) edits it
            route.expected = [404, 403, 403, 200, 404];
        }
        if route.name.starts_with("delete the member") {
            route.expected = [404, 403, 204, 204, 404];
        }
    }
    let failures = run_matrix(&server, "channel", channel_routes).await;
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs each route as each caller on a fresh conversation of `kind`; returns what was wrong.
async fn run_matrix(server: &TestServer, kind: &str, routes: Vec<Route>) -> Vec<String> {
    let mut failures = Vec::new();
    let mut tag = 0;
    for route in routes {
        for (index, expected) in route.expected.iter().enumerate() {
            // A fresh cast per cell: some calls change what the next one would see.
            tag += 1;
            let cast = cast(server, tag, kind).await;
            let caller = [
                &cast.stranger,
                &cast.member,
                &cast.admin,
                &cast.owner,
                &cast.global_admin,
            ][index];
            let reply = server
                .call(
                    route.method.clone(),
                    &(route.path)(&cast),
                    Some(&caller.access_token),
                    (route.body)(&cast),
                )
                .await;
            if reply.status != *expected {
                failures.push(format!(
                    "{} as {}: expected {expected}, got {} {:?}",
                    route.name,
                    ["stranger", "member", "admin", "owner", "global admin"][index],
                    reply.status,
                    reply.body
                ));
            }
        }
    }
    failures
}

#[tokio::test]
async fn a_channel_reads_the_same_for_everyone_in_it() {
    let server = TestServer::start().await;
    let (owner, admin, member) = (
        server.register("owner").await,
        server.register("admin").await,
        server.register("member").await,
    );
    let channel = server
        .create_conversation(&owner, "channel", &[&admin, &member])
        .await;
    server
        .call(
            Method::PATCH,
            &format!("/api/conversations/{channel}/members/{}", admin.id),
            Some(&owner.access_token),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(
        server.send(&owner, &channel, "news", None).await.status,
        201
    );
    assert_eq!(
        server
            .send(&admin, &channel, "more news", None)
            .await
            .status,
        201
    );
    let refused = server.send(&member, &channel, "can I?", None).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.code(), "forbidden");
    let read = server
        .get(
            &format!("/api/conversations/{channel}/messages"),
            Some(&member.access_token),
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["items"].as_array().unwrap().len(), 2);
}
