//! Membership and conversation events: who joins, leaves, changes role, and the
//! conversation's own creation, renaming and deletion.

use super::helpers::{
    delete, each_hears, frames_before_marker, patch, send_rest, server, solo_group,
};
use palaver_tests::serde_json::json;
use palaver_tests::{Account, TestServer};

async fn add(server: &TestServer, by: &Account, conversation: &str, users: &[&Account]) {
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let reply = server
        .post(
            &format!("/api/conversations/{conversation}/members"),
            Some(&by.access_token),
            json!({ "user_ids": ids }),
        )
        .await;
    assert!(
        reply.status == 200 || reply.status == 201,
        "adding members: {} {:?}",
        reply.status,
        reply.body
    );
}

#[tokio::test]
async fn conversation_created_reaches_every_member_and_a_member_added_later() {
    let server = server().await;
    let (ada, bob, cyd, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
        server.register("eve").await,
    );
    let eves_own = solo_group(&server, &eve).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut ada_laptop = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut cyd_phone = server.connect(&cyd).await;
    let mut eve_phone = server.connect(&eve).await;

    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    each_hears(
        &mut [&mut ada_phone, &mut ada_laptop, &mut bob_phone],
        "conversation.created",
        json!({ "conversation": {
            "id": group, "kind": "group", "name": "group of ada", "member_count": 2
        } }),
    )
    .await;

    let direct = server
        .post(
            "/api/conversations",
            Some(&bob.access_token),
            json!({ "kind": "direct", "member_ids": [cyd.id] }),
        )
        .await;
    assert_eq!(direct.status, 201, "{:?}", direct.body);
    each_hears(
        &mut [&mut bob_phone, &mut cyd_phone],
        "conversation.created",
        json!({ "conversation": { "id": direct.body["id"], "kind": "direct" } }),
    )
    .await;

    // Cyd, added later, learns of the group at once, and then hears its messages.
    add(&server, &ada, &group, &[&cyd]).await;
    let created = cyd_phone.next_of("conversation.created").await;
    assert_eq!(created["conversation"]["id"], json!(group));
    assert_eq!(created["conversation"]["member_count"], 3);
    send_rest(&server, &bob, &group, "welcome, cyd").await;
    let welcome = cyd_phone.next_of("message.created").await;
    assert_eq!(welcome["message"]["content"], "welcome, cyd");

    let eves = frames_before_marker(&server, &mut eve_phone, &eve, &eves_own).await;
    assert!(eves.is_empty(), "a stranger got {eves:?}");
}

#[tokio::test]
async fn joins_role_changes_and_renames_reach_every_member() {
    let server = server().await;
    let (ada, bob, cyd, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
        server.register("eve").await,
    );
    let eves_own = solo_group(&server, &eve).await;
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut bob_laptop = server.connect(&bob).await;
    let mut cyd_phone = server.connect(&cyd).await;
    let mut eve_phone = server.connect(&eve).await;

    add(&server, &ada, &group, &[&cyd]).await;
    let mut everyone = [
        &mut ada_phone,
        &mut bob_phone,
        &mut bob_laptop,
        &mut cyd_phone,
    ];
    each_hears(
        &mut everyone,
        "member.joined",
        json!({ "conversation_id": group, "seq": 1, "user_id": cyd.id, "role": "member" }),
    )
    .await;

    let promoted = patch(
        &server,
        &ada,
        &format!("/api/conversations/{group}/members/{}", bob.id),
        json!({ "role": "admin" }),
    )
    .await;
    assert!(
        promoted.status < 300,
        "{} {:?}",
        promoted.status,
        promoted.body
    );
    each_hears(
        &mut everyone,
        "member.updated",
        json!({ "conversation_id": group, "seq": 2, "user_id": bob.id, "role": "admin" }),
    )
    .await;

    // The new admin renames it.
    let renamed = patch(
        &server,
        &bob,
        &format!("/api/conversations/{group}"),
        json!({ "name": "the crew" }),
    )
    .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    each_hears(
        &mut everyone,
        "conversation.updated",
        json!({ "conversation_id": group, "seq": 3,
                "conversation": { "id": group, "name": "the crew" } }),
    )
    .await;

    let eves = frames_before_marker(&server, &mut eve_phone, &eve, &eves_own).await;
    assert!(eves.is_empty(), "a stranger got {eves:?}");
}

#[tokio::test]
async fn member_left_reaches_the_members_and_the_one_who_left_then_they_hear_no_more() {
    let server = server().await;
    let (ada, bob, cyd) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
    );
    let group = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let bobs_own = solo_group(&server, &bob).await;
    let cyds_own = solo_group(&server, &cyd).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut bob_laptop = server.connect(&bob).await;
    let mut cyd_phone = server.connect(&cyd).await;

    // Ada removes Bob: both his devices hear it, as do the others.
    let removed = delete(
        &server,
        &ada,
        &format!("/api/conversations/{group}/members/{}", bob.id),
        None,
    )
    .await;
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    each_hears(
        &mut [
            &mut ada_phone,
            &mut bob_phone,
            &mut bob_laptop,
            &mut cyd_phone,
        ],
        "member.left",
        json!({ "conversation_id": group, "seq": 1, "user_id": bob.id }),
    )
    .await;

    // Cyd leaves by herself.
    let left = delete(
        &server,
        &cyd,
        &format!("/api/conversations/{group}/members/{}", cyd.id),
        None,
    )
    .await;
    assert_eq!(left.status, 204, "{:?}", left.body);
    each_hears(
        &mut [&mut ada_phone, &mut cyd_phone],
        "member.left",
        json!({ "seq": 2, "user_id": cyd.id }),
    )
    .await;

    // What happens next in the group is no longer theirs to hear.
    send_rest(&server, &ada, &group, "just me now").await;
    let created = ada_phone.next_of("message.created").await;
    assert_eq!(created["message"]["content"], "just me now");
    for client in [&mut bob_phone, &mut bob_laptop] {
        let heard = frames_before_marker(&server, client, &bob, &bobs_own).await;
        assert!(heard.is_empty(), "bob, removed, got {heard:?}");
    }
    let heard = frames_before_marker(&server, &mut cyd_phone, &cyd, &cyds_own).await;
    assert!(heard.is_empty(), "cyd, gone, got {heard:?}");
}

#[tokio::test]
async fn conversation_deleted_reaches_every_member() {
    let server = server().await;
    let (ada, bob, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("eve").await,
    );
    let eves_own = solo_group(&server, &eve).await;
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;
    let mut bob_laptop = server.connect(&bob).await;
    let mut eve_phone = server.connect(&eve).await;

    let deleted = delete(&server, &ada, &format!("/api/conversations/{group}"), None).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    each_hears(
        &mut [&mut ada_phone, &mut bob_phone, &mut bob_laptop],
        "conversation.deleted",
        json!({ "conversation_id": group }),
    )
    .await;
    let eves = frames_before_marker(&server, &mut eve_phone, &eve, &eves_own).await;
    assert!(eves.is_empty(), "a stranger got {eves:?}");
}
