use palaver_tests::TestServer;
use palaver_tests::serde_json::json;

#[tokio::test]
async fn a_message_sent_over_rest_reaches_every_members_every_connection() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let conversation = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut ada_phone = server.connect(&ada).await;
    let mut ada_laptop = server.connect(&ada).await;
    let mut bob_phone = server.connect(&bob).await;

    let sent = server.send(&ada, &conversation, "hello", Some("c1")).await;
    assert_eq!(sent.status, 201);
    for client in [&mut ada_phone, &mut ada_laptop, &mut bob_phone] {
        let frame = client.next_of("message.created").await;
        assert_eq!(frame["conversation_id"], json!(conversation));
        assert_eq!(frame["message"]["content"], "hello");
        assert_eq!(frame["seq"], sent.body["seq"]);
    }
}
