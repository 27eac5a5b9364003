use super::send_in;
use crate::realtime::helpers::server;
use palaver_tests::serde_json::Value;
use palaver_tests::{Account, TestServer};

async fn search(server: &TestServer, who: &Account, query: &str) -> (u16, Value) {
    let reply = server
        .get(
            &format!("/api/search/messages?{query}"),
            Some(&who.access_token),
        )
        .await;
    (reply.status, reply.body)
}

fn contents(body: &Value) -> Vec<String> {
    let mut found: Vec<String> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

fn enc(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn search_filters_alone_and_together_with_highlights() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut sent = Vec::new();
    for (who, content) in [
        (&ada, "mango one"),
        (&bob, "mango two"),
        (&ada, "mango three"),
        (&bob, "mango four"),
    ] {
        let reply = send_in(&server, who, &group, content, None).await;
        sent.push(reply.body);
    }
    let root = sent[0]["id"].as_str().unwrap().to_owned();
    send_in(&server, &bob, &group, "mango reply", Some(&root)).await;
    let notes = crate::attachments::uploaded(&server, &ada, "notes.txt", b"mango notes").await;
    let with_file = server
        .post(
            &format!("/api/conversations/{group}/messages"),
            Some(&ada.access_token),
            palaver_tests::serde_json::json!({"content": "mango file", "attachment_ids": [notes]}),
        )
        .await;
    assert_eq!(with_file.status, 201, "{}", with_file.body);
    let at = |i: usize| enc(sent[i]["created_at"].as_str().unwrap());

    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            String::new(),
            vec![
                "mango file",
                "mango four",
                "mango one",
                "mango reply",
                "mango three",
                "mango two",
            ],
        ),
        (
            format!("&sender_id={}", bob.id),
            vec!["mango four", "mango reply", "mango two"],
        ),
        (
            format!("&after={}", at(1)),
            vec!["mango file", "mango four", "mango reply", "mango three"],
        ),
        (format!("&before={}", at(2)), vec!["mango one", "mango two"]),
        (
            format!("&after={}&before={}", at(0), at(3)),
            vec!["mango three", "mango two"],
        ),
        (format!("&in_thread={root}"), vec!["mango reply"]),
        (format!("&in_thread={root}&sender_id={}", ada.id), vec![]),
        (
            format!(
                "&sender_id={}&before={}&conversation_id={group}",
                bob.id,
                at(3)
            ),
            vec!["mango two"],
        ),
        ("&has=attachment".to_owned(), vec!["mango file"]),
        (format!("&has=attachment&sender_id={}", bob.id), vec![]),
    ];
    for (filters, expected) in cases {
        let (status, body) = search(&server, &ada, &format!("q=mango{filters}")).await;
        assert_eq!(status, 200, "{filters}: {body}");
        assert_eq!(contents(&body), expected, "{filters}");
    }
    let (_, body) = search(&server, &ada, "q=mango").await;
    assert!(
        body["items"][0]["highlights"][0]
            .as_str()
            .unwrap()
            .contains("<mark>mango</mark>")
    );
}

#[tokio::test]
async fn highlights_escape_everything_but_the_marks() {
    let server = server().await;
    let ada = server.register("ada").await;
    let group = server.create_conversation(&ada, "group", &[]).await;
    send_in(
        &server,
        &ada,
        &group,
        "<script>alert(1)</script> papaya & co",
        None,
    )
    .await;
    let (status, body) = search(&server, &ada, "q=papaya").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["items"][0]["highlights"][0],
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>papaya</mark> &amp; co"
    );
    assert!(body["items"][0]["reactions"].is_array());
}

#[tokio::test]
async fn bad_filters_are_refused_naming_the_field() {
    let server = server().await;
    let ada = server.register("ada").await;
    for (query, field) in [
        ("q=x&after=yesterday", "after"),
        ("q=x&before=2026-13-40", "before"),
        ("q=x&has=image", "has"),
        ("q=x&sender_id=nope", "sender_id"),
        ("q=x&in_thread=nope", "in_thread"),
    ] {
        let (status, body) = search(&server, &ada, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(
            body["error"]["code"], "validation_failed",
            "{query}: {body}"
        );
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
}
