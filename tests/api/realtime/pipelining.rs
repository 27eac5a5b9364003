//! Many commands in flight on one connection, each answered with its own client_id and
//! every conversation's order kept; and one sender's bad message, written in the same
//! batches as everyone else's, fails only that sender's send.

use super::helpers::{client_id, server};
use futures_util::future::join_all;
use palaver_tests::serde_json::{Value, json};
use palaver_tests::{Account, TestServer, WsClient};
use std::collections::HashMap;

/// Sends one `message.send` per (conversation, content) without waiting, then reads until
/// each is answered; the answers by client_id, in the order sent.
async fn send_all_then_read(client: &mut WsClient, sends: &[(String, String)]) -> Vec<Value> {
    let ids: Vec<String> = sends.iter().map(|_| client_id()).collect();
    for ((conversation, content), id) in sends.iter().zip(&ids) {
        client
            .send_json(json!({
                "type": "message.send",
                "conversation_id": conversation,
                "content": content,
                "client_id": id,
            }))
            .await;
    }
    let mut answers: HashMap<String, Value> = HashMap::new();
    while answers.len() < ids.len() {
        let frame = client.next().await;
        if frame["type"] == "ack" || frame["type"] == "error" {
            let id = frame["client_id"].as_str().expect("a client_id").to_owned();
            assert!(
                ids.contains(&id),
                "an answer to no command of ours: {frame}"
            );
            assert!(answers.insert(id, frame).is_none(), "answered twice");
        }
    }
    ids.iter().map(|id| answers.remove(id).unwrap()).collect()
}

fn seq_of(ack: &Value) -> i64 {
    assert_eq!(ack["type"], "ack", "{ack}");
    ack["message"]["seq"].as_i64().expect("seq")
}

#[tokio::test]
async fn sixty_four_sends_in_flight_are_each_acked_in_order_per_conversation() {
    let server = server().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let one = server.create_conversation(&ada, "group", &[&bob]).await;
    let two = server.create_conversation(&ada, "group", &[]).await;
    let mut client = server.connect(&ada).await;
    let sends: Vec<(String, String)> = (0..64)
        .map(|i| {
            let conversation = if i % 4 == 3 { &two } else { &one };
            (conversation.clone(), format!("message {i}"))
        })
        .collect();
    let answers = send_all_then_read(&mut client, &sends).await;
    for conversation in [&one, &two] {
        let acked: Vec<(i64, &str)> = answers
            .iter()
            .zip(&sends)
            .filter(|(_, (c, _))| c == conversation)
            .map(|(ack, (_, content))| (seq_of(ack), content.as_str()))
            .collect();
        let seqs: Vec<i64> = acked.iter().map(|(seq, _)| *seq).collect();
        assert_eq!(
            seqs,
            (1..=acked.len() as i64).collect::<Vec<_>>(),
            "as sent"
        );
        let log = server.events(&ada, conversation, 0).await;
        let logged: Vec<&str> = log
            .iter()
            .map(|e| e["message"]["content"].as_str().unwrap())
            .collect();
        let sent: Vec<&str> = acked.iter().map(|(_, content)| *content).collect();
        assert_eq!(logged, sent, "the log holds them in the order sent");
    }
}

/// A sender on its own socket sending `count` messages to `conversation`, all in flight.
async fn sender_task(
    server: &TestServer,
    account: &Account,
    conversation: &str,
    content: impl Fn(usize) -> String,
    count: usize,
) -> Vec<(String, Value)> {
    let mut client = server.connect(account).await;
    let sends: Vec<(String, String)> = (0..count)
        .map(|i| (conversation.to_owned(), content(i)))
        .collect();
    let answers = send_all_then_read(&mut client, &sends).await;
    sends.into_iter().map(|(_, c)| c).zip(answers).collect()
}

#[tokio::test]
async fn a_message_the_database_refuses_fails_only_its_own_send() {
    let server = server().await;
    let mallory = server.register("mallory").await;
    let mut senders = Vec::new();
    for n in 0..6 {
        senders.push(server.register(&format!("sender{n}")).await);
    }
    let everyone: Vec<&Account> = senders.iter().chain([&mallory]).collect();
    let shared = server
        .create_conversation(&mallory, "group", &everyone[..6])
        .await;
    let mut own = Vec::new();
    for sender in &senders {
        own.push(server.create_conversation(sender, "group", &[]).await);
    }
    // A NUL byte: PostgreSQL refuses it in text, whatever the other backends do.
    let bad = |i: usize| format!("bad \u{0} content {i}");
    let good = |i: usize| format!("good {i}");
    let targets: Vec<&String> = (0..senders.len())
        .map(|n| if n % 2 == 0 { &shared } else { &own[n] })
        .collect();
    let tasks = senders
        .iter()
        .zip(&targets)
        .map(|(sender, target)| sender_task(&server, sender, target, good, 20));
    let attack = sender_task(&server, &mallory, &shared, bad, 20);
    let (results, attacked) = tokio::join!(join_all(tasks), attack);
    let mut acked_in: HashMap<&String, Vec<String>> = HashMap::new();
    for (answers, target) in results.iter().zip(&targets) {
        for (content, answer) in answers {
            assert_eq!(answer["type"], "ack", "{content}: {answer}");
            acked_in.entry(*target).or_default().push(content.clone());
        }
    }
    for (content, answer) in &attacked {
        match answer["type"].as_str() {
            Some("ack") => acked_in.entry(&shared).or_default().push(content.clone()),
            Some("error") => {}
            _ => panic!("{answer}"),
        }
    }
    // Each conversation's log holds exactly what was acked in it, gap-free.
    for (n, target) in targets.iter().enumerate() {
        let log = server.events(&senders[n], target, 0).await;
        let seqs: Vec<i64> = log.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=log.len() as i64).collect::<Vec<_>>());
        let mut logged: Vec<String> = log
            .iter()
            .map(|e| e["message"]["content"].as_str().unwrap().to_owned())
            .collect();
        logged.sort();
        let mut acked = acked_in[*target].clone();
        acked.sort();
        assert_eq!(logged, acked, "the log holds exactly the acked messages");
    }
}
