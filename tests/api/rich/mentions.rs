use super::{id_of, message, send_in};
use crate::realtime::helpers::{patch, server};
use palaver_tests::serde_json::json;

#[tokio::test]
async fn mentions_name_members_only_and_follow_edits() {
    let server = server().await;
    let (ada, bob, cyd, eve) = (
        server.register("ada").await,
        server.register("bob").await,
        server.register("cyd").await,
        server.register("eve").await,
    );
    let group = server
        .create_conversation(&ada, "group", &[&bob, &cyd])
        .await;
    let sent = send_in(
        &server,
        &ada,
        &group,
        "hi @Bob and @eve, mail cyd@example.org",
        None,
    )
    .await;
    assert_eq!(sent.status, 201);
    assert_eq!(sent.body["mentions"], json!([bob.id]), "eve is no member");
    let id = id_of(&sent.body);
    assert_eq!(
        message(&server, &cyd, &group, &id).await["mentions"],
        json!([bob.id])
    );

    let edited = patch(
        &server,
        &ada,
        &format!("/api/messages/{id}"),
        json!({"content": "now @cyd."}),
    )
    .await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    assert_eq!(edited.body["mentions"], json!([cyd.id]));
    let events = server.events(&ada, &group, 0).await;
    assert_eq!(
        events.last().unwrap()["message"]["mentions"],
        json!([cyd.id])
    );
    let _ = eve;
}
