//! One ordered path for every logged event: messages from the writer, edits, deletes,
//! renames and role changes on one conversation, committed concurrently, are announced
//! each once and in seq order.

use crate::batching::Recorder;
use crate::common::{connect_with, now};
use crate::fixtures::{chat_with, group, new_message};
use palaver_domain::conversation::{ConversationName, MemberRole};
use palaver_domain::ports::{ConversationRepository, MessageRepository};
use palaver_persistence::{EventAnnouncer, SqlConversationRepository, SqlMessageRepository};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_deletes_and_membership_changes_are_announced_in_seq_order_with_messages() {
    const SENDERS: usize = 4;
    const PER_SENDER: usize = 30;
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let room = group(&chat, "Room", ada, &[bob]).await.id;
    let recorder = Arc::new(Recorder::default());
    let database = connect_with(&chat.database, 8).await;
    let announcer = EventAnnouncer::new(recorder.clone());
    let messages = Arc::new(SqlMessageRepository::announcing_to(
        &database,
        announcer.clone(),
    ));
    let conversations = Arc::new(SqlConversationRepository::announcing_to(
        &database, announcer,
    ));
    let mut tasks = Vec::new();
    for sender in 0..SENDERS {
        let messages = messages.clone();
        let who = if sender % 2 == 0 { ada } else { bob };
        // Each sender sends, and edits or deletes what it sent, back to back.
        tasks.push(tokio::spawn(async move {
            let mut logged = 0;
            for i in 0..PER_SENDER {
                let sent = messages
                    .append(
                        &new_message(room, who, &format!("s{sender}-{i}"), None),
                        now(),
                    )
                    .await
                    .unwrap();
                logged += 1;
                let palaver_domain::conversation::EventPayload::MessageCreated { message } =
                    sent.payload
                else {
                    panic!("not a message.created");
                };
                if i % 3 == 0 {
                    let content =
                        palaver_domain::conversation::MessageContent::parse("edited").unwrap();
                    messages
                        .edit(message.id, &content, &[], now())
                        .await
                        .unwrap();
                    logged += 1;
                } else if i % 3 == 1 && messages.delete(message.id, now()).await.unwrap().is_some()
                {
                    logged += 1;
                }
            }
            logged
        }));
    }
    {
        let conversations = conversations.clone();
        tasks.push(tokio::spawn(async move {
            let mut logged = 0;
            for i in 0..10 {
                let name = ConversationName::parse(&format!("Room {i}")).unwrap();
                conversations.rename(room, ada, &name, now()).await.unwrap();
                let role = if i % 2 == 0 {
                    MemberRole::Admin
                } else {
                    MemberRole::Member
                };
                conversations
                    .set_member_role(room, ada, bob, role, now())
                    .await
                    .unwrap();
                logged += 2;
            }
            logged
        }));
    }
    let mut logged = 0;
    for task in tasks {
        logged += task.await.unwrap();
    }
    let heard: Vec<i64> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(conversation, _)| *conversation == room)
        .map(|(_, seq)| *seq)
        .collect();
    // The group's own creation logged its first events before the recorder listened.
    let first = heard.first().copied().unwrap_or(1);
    assert_eq!(
        heard,
        (first..first + logged).collect::<Vec<_>>(),
        "every logged event once, in seq order"
    );
}
