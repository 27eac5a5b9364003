//! Racing writers: appends to one conversation, retries of one client id, and creating
//! one direct conversation from both ends at once.

use crate::common::{insert_users, now};
use crate::fixtures::{
    chat_with, chat_with_pool, created_message, events, group, last_seq, member, new_conversation,
    new_message, seqs,
};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    ClientId, Conversation, ConversationId, ConversationKind, EventPayload, MemberRole,
    direct_pair_key,
};
use palaver_domain::ports::{ConversationRepository, MessageRepository, SeqWindow};
use palaver_domain::user::UserId;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_to_one_conversation_take_every_seq_exactly_once() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 200;
    const TOTAL: i64 = (TASKS * PER_TASK) as i64;
    let chat = chat_with_pool(10).await;
    let [ada, bob] = insert_users(&chat.users, &["ada", "bob"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Busy", ada, &[bob]).await;

    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let messages = chat.messages.clone();
            let sender = if task % 2 == 0 { ada } else { bob };
            tokio::spawn(async move {
                let mut mine = Vec::with_capacity(PER_TASK);
                for i in 0..PER_TASK {
                    let message = new_message(
                        team.id,
                        sender,
                        &format!("task {task} message {i}"),
                        Some(&format!("t{task}-{i}")),
                    );
                    let event = messages.append(&message, now()).await.unwrap();
                    mine.push(event.seq);
                }
                mine
            })
        })
        .collect();
    for task in tasks {
        let mine = task.await.unwrap();
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "one task's seqs only grow"
        );
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{TASKS} tasks x {PER_TASK} appends on {}: {elapsed:.2?}",
        chat.database.backend_name()
    );

    let every: Vec<i64> = (1..=TOTAL).collect();
    let log = events(&chat, team.id).await;
    assert_eq!(seqs(&log), every);
    let page = chat
        .messages
        .list(team.id, SeqWindow::After(0), 10_000)
        .await
        .unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        every
    );
    assert!(!page.has_more);
    assert_eq!(last_seq(&chat, team.id).await, TOTAL);
    for (event, message) in log.iter().zip(&page.messages) {
        assert_eq!(
            event.payload,
            EventPayload::MessageCreated {
                message: message.clone()
            }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_of_one_client_id_store_one_message() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let team = group(&chat, "Retries", ada, &[]).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let messages = chat.messages.clone();
            tokio::spawn(async move {
                let message = new_message(team.id, ada, &format!("attempt {i}"), Some("web-1:42"));
                messages.append(&message, now()).await
            })
        })
        .collect();
    let (mut stored, mut conflicts) = (Vec::new(), 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(event) => stored.push(created_message(event)),
            Err(RepositoryError::Conflict {
                field: palaver_domain::Taken::ClientId,
            }) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((stored.len(), conflicts), (1, 7));
    assert_eq!(stored[0].seq, 1);
    let page = chat
        .messages
        .list(team.id, SeqWindow::Newest, 50)
        .await
        .unwrap();
    assert_eq!(page.messages, stored);
    assert_eq!(seqs(&events(&chat, team.id).await), [1]);
    assert_eq!(last_seq(&chat, team.id).await, 1);
    let client_id = ClientId::parse("web-1:42").unwrap();
    assert_eq!(
        chat.messages
            .find_by_client_id(ada, &client_id)
            .await
            .unwrap(),
        Some(stored[0].clone())
    );
    assert_eq!(
        chat.messages
            .find_by_client_id(UserId::generate(), &client_id)
            .await
            .unwrap(),
        None
    );
    // The same client id from another sender is theirs to use.
    let [bob] = insert_users(&chat.users, &["bob"]).await[..] else {
        unreachable!()
    };
    chat.conversations
        .add_members(team.id, ada, &[bob], now())
        .await
        .unwrap();
    chat.messages
        .append(&new_message(team.id, bob, "mine", Some("web-1:42")), now())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_direct_creation_for_one_pair_yields_one_conversation() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let key = direct_pair_key(ada, bob);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let conversations = chat.conversations.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let at = now();
                let conversation = new_conversation(ConversationKind::Direct, None, None, 2, at);
                let (first, second) = if i % 2 == 0 { (ada, bob) } else { (bob, ada) };
                let members = [
                    member(conversation.id, first, MemberRole::Member, at),
                    member(conversation.id, second, MemberRole::Member, at),
                ];
                conversations
                    .find_or_create_direct(&conversation, &members, &key)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let created: Vec<_> = results.iter().filter(|(_, created)| *created).collect();
    assert_eq!(created.len(), 1);
    let winner = created[0].0.clone();
    assert!(results.iter().all(|(c, _)| c.id == winner.id));
    assert_eq!(
        chat.conversations.find(winner.id).await.unwrap(),
        Some(winner.clone())
    );
    assert_eq!(
        chat.conversations.memberships_of(ada).await.unwrap(),
        [winner.id]
    );
    assert_eq!(
        chat.conversations.memberships_of(bob).await.unwrap(),
        [winner.id]
    );

    // Asking again finds it.
    let again = Conversation {
        id: ConversationId::generate(),
        ..winner.clone()
    };
    let members = [
        member(again.id, ada, MemberRole::Member, again.created_at),
        member(again.id, bob, MemberRole::Member, again.created_at),
    ];
    let (found, created) = chat
        .conversations
        .find_or_create_direct(&again, &members, &key)
        .await
        .unwrap();
    assert_eq!((found.id, created), (winner.id, false));
}
