//! Group commit: appends waiting together are written in one transaction, yet each gets
//! exactly the answer it would have had alone, and the log stays gap-free.

use crate::common::{connect_with, insert_users, now};
use crate::fixtures::{
    Chat, assert_log_ends_at, channel, chat_with, created_message, current, events, group,
    new_message, say,
};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ConversationId, EventPayload, NewMessage};
use palaver_domain::ports::{MessageRepository, SeqWindow};
use palaver_persistence::{EventAnnouncer, SqlMessageRepository};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const FORBIDDEN: &str = "only the owner and admins post in a channel";

/// A message repository on the chat's database that counts the INSERTs into `messages`.
async fn counting_repository(chat: &Chat) -> (Arc<SqlMessageRepository>, Arc<AtomicUsize>) {
    let mut database = connect_with(&chat.database, 8).await;
    let inserts = Arc::new(AtomicUsize::new(0));
    let counter = inserts.clone();
    database.observe_statements(move |statement| {
        // An INSERT of its own, or (PostgreSQL) inside the `WITH` of the events' INSERT.
        let sql = statement.sql.to_ascii_lowercase();
        let into_messages = sql
            .split("insert into")
            .skip(1)
            .filter(|rest| {
                let table = rest.split_whitespace().next().unwrap_or_default();
                table.trim_matches(['"', '`']) == "messages"
            })
            .count();
        counter.fetch_add(into_messages, Ordering::Relaxed);
    });
    (Arc::new(SqlMessageRepository::new(&database)), inserts)
}

fn describe(
    result: &Result<palaver_domain::conversation::ConversationEvent, RepositoryError>,
) -> String {
    match result {
        Ok(event) => format!("seq {}", event.seq),
        Err(RepositoryError::Conflict { field }) => format!("conflict on {}", field.field()),
        Err(RepositoryError::NotFound) => "not found".into(),
        Err(RepositoryError::Forbidden(reason)) => format!("forbidden: {reason}"),
        Err(other) => format!("unexpected: {other}"),
    }
}

#[tokio::test]
async fn a_batch_answers_each_append_as_it_would_alone() {
    let (chat, [ada, bob, cyd, dee]) = chat_with(["ada", "bob", "cyd", "dee"]).await;
    let team = group(&chat, "Team", ada, &[bob, cyd]).await;
    let news = channel(&chat, "News", ada, &[], &[bob]).await;
    let first = chat
        .messages
        .append(&new_message(team.id, ada, "first", Some("taken")), now())
        .await
        .unwrap();
    let at = now();
    let batch: Vec<(NewMessage, _)> = [
        new_message(team.id, ada, "one", Some("a-1")),
        new_message(team.id, bob, "two", Some("b-1")),
        new_message(team.id, dee, "not a member", Some("d-1")),
        new_message(team.id, ada, "resent", Some("taken")),
        new_message(news.id, bob, "a plain member", Some("b-2")),
        new_message(news.id, ada, "news", Some("a-2")),
        new_message(team.id, cyd, "three", Some("c-1")),
        new_message(team.id, cyd, "three, again", Some("c-1")),
        new_message(ConversationId::generate(), ada, "nowhere", Some("a-3")),
        new_message(team.id, bob, "four", None),
    ]
    .into_iter()
    .map(|message| (message, at))
    .collect();

    let results = chat.messages.append_batch(&batch).await;
    let described: Vec<String> = results.iter().map(describe).collect();
    assert_eq!(
        described,
        [
            "seq 2".to_owned(),
            "seq 3".into(),
            "not found".into(),
            "conflict on client_id".into(),
            format!("forbidden: {FORBIDDEN}"),
            "seq 1".into(),
            "seq 4".into(),
            "conflict on client_id".into(),
            "not found".into(),
            "seq 5".into(),
        ]
    );
    for ((message, _), result) in batch.iter().zip(&results) {
        let stored = chat.messages.find(message.id).await.unwrap();
        match result {
            Ok(event) => {
                assert_eq!(event.created_at, at);
                assert_eq!(stored, Some(created_message(event.clone())));
            }
            Err(_) => assert_eq!(stored, None, "{:?}", message.content),
        }
    }
    assert_log_ends_at(&chat, team.id, 5).await;
    assert_log_ends_at(&chat, news.id, 1).await;
    assert_eq!(
        chat.messages
            .find_by_client_id(
                ada,
                &palaver_domain::conversation::ClientId::parse("taken").unwrap()
            )
            .await
            .unwrap(),
        Some(created_message(first))
    );
    let page = chat
        .messages
        .list(team.id, SeqWindow::After(0), 50)
        .await
        .unwrap();
    let texts: Vec<&str> = page
        .messages
        .iter()
        .filter_map(|m| m.content.as_ref().map(|c| c.as_str()))
        .collect();
    assert_eq!(texts, ["first", "one", "two", "three", "four"]);
    // The seqs failures took were given back.
    assert_eq!(say(&chat, team.id, cyd, "later").await.seq, 6);
}

#[tokio::test]
async fn a_batch_of_good_appends_is_written_in_bulk_in_order() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let rooms = [
        group(&chat, "One", ada, &[bob]).await,
        group(&chat, "Two", ada, &[bob]).await,
        group(&chat, "Three", bob, &[ada]).await,
    ];
    say(&chat, rooms[1].id, bob, "before").await;
    let (messages, inserts) = counting_repository(&chat).await;
    let batch: Vec<(NewMessage, _)> = (0..60)
        .map(|i| {
            let room = &rooms[i % 3];
            let sender = if i % 2 == 0 { ada } else { bob };
            let text = format!("message {i}");
            (
                new_message(room.id, sender, &text, Some(&format!("k-{i}"))),
                now(),
            )
        })
        .collect();
    let results = messages.append_batch(&batch).await;
    assert_eq!(
        inserts.load(Ordering::Relaxed),
        1,
        "one INSERT for all the messages"
    );
    for (r, room) in rooms.iter().enumerate() {
        let already = i64::from(r == 1);
        let mine: Vec<i64> = results
            .iter()
            .zip(&batch)
            .filter(|(_, (message, _))| message.conversation_id == room.id)
            .map(|(result, _)| result.as_ref().unwrap().seq)
            .collect();
        assert_eq!(mine, (already + 1..=already + 20).collect::<Vec<_>>());
        assert_log_ends_at(&chat, room.id, already + 20).await;
        let log = events(&chat, room.id).await;
        for (event, result) in log.iter().skip(already as usize).zip(
            results
                .iter()
                .zip(&batch)
                .filter(|(_, (message, _))| message.conversation_id == room.id)
                .map(|(result, _)| result.as_ref().unwrap()),
        ) {
            assert_eq!(event, result);
        }
        // The conversation moved on to the batch's last message in it.
        let last = batch
            .iter()
            .rev()
            .find(|(message, _)| message.conversation_id == room.id)
            .unwrap();
        assert_eq!(current(&chat, room.id).await.updated_at, last.1);
        let summaries = chat_summaries(&chat, ada).await;
        let summary = summaries.iter().find(|s| s.0 == room.id).unwrap();
        assert_eq!(summary.1, Some(last.0.id));
    }
}

/// Each conversation of the user with the id of its last message.
async fn chat_summaries(
    chat: &Chat,
    user: palaver_domain::user::UserId,
) -> Vec<(
    ConversationId,
    Option<palaver_domain::conversation::MessageId>,
)> {
    use palaver_domain::ports::ConversationRepository;
    chat.conversations
        .list_for_user(user, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.conversation.id, s.last_message.map(|m| m.id)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_share_transactions() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 50;
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Busy", ada, &[bob]).await;
    let (messages, inserts) = counting_repository(&chat).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let messages = messages.clone();
            let sender = if task % 2 == 0 { ada } else { bob };
            tokio::spawn(async move {
                for i in 0..PER_TASK {
                    let key = format!("t{task}-{i}");
                    let message = new_message(team.id, sender, &key, Some(&key));
                    messages.append(&message, now()).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let total = TASKS * PER_TASK;
    assert_log_ends_at(&chat, team.id, total as i64).await;
    let statements = inserts.load(Ordering::Relaxed);
    assert!(statements > 0, "no INSERT was observed");
    assert!(
        statements < total * 3 / 4,
        "{statements} INSERTs for {total} concurrent appends: they were not batched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_with_failures_mixed_in_each_get_their_own_answer() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let [dee] = insert_users(&chat.users, &["dee"]).await[..] else {
        unreachable!()
    };
    let team = group(&chat, "Team", ada, &[bob, cyd]).await;
    let news = channel(&chat, "News", ada, &[], &[bob]).await;
    // Rounds of concurrent appends: most are good; in each, one client id is sent twice,
    // one sender is not a member and one is a plain member of a channel.
    for round in 0..5 {
        let mut attempts = Vec::new();
        for i in 0..30 {
            let sender = [ada, bob, cyd][i % 3];
            let key = format!("r{round}-{i}");
            attempts.push(("ok", new_message(team.id, sender, &key, Some(&key))));
        }
        let twice = format!("r{round}-twice");
        attempts.push(("twice", new_message(team.id, cyd, "once", Some(&twice))));
        attempts.push(("twice", new_message(team.id, cyd, "twice", Some(&twice))));
        attempts.push(("outsider", new_message(team.id, dee, "hi", None)));
        attempts.push(("member", new_message(news.id, bob, "hi", None)));
        let tasks: Vec<_> = attempts
            .into_iter()
            .map(|(kind, message)| {
                let messages = chat.messages.clone();
                tokio::spawn(async move {
                    let result = messages.append(&message, now()).await;
                    (kind, message, result)
                })
            })
            .collect();
        let mut twice_stored = 0;
        for task in tasks {
            let (kind, message, result) = task.await.unwrap();
            match (kind, &result) {
                ("ok", Ok(event)) | ("twice", Ok(event)) => {
                    let stored = chat.messages.find(message.id).await.unwrap();
                    assert_eq!(stored, Some(created_message(event.clone())));
                    twice_stored += usize::from(kind == "twice");
                }
                (
                    "twice",
                    Err(RepositoryError::Conflict {
                        field: palaver_domain::Taken::ClientId,
                    }),
                ) => {}
                ("outsider", Err(RepositoryError::NotFound)) => {}
                ("member", Err(RepositoryError::Forbidden(reason))) if *reason == FORBIDDEN => {}
                _ => panic!("{kind}: unexpected {}", describe(&result)),
            }
            if result.is_err() && kind != "twice" {
                assert_eq!(chat.messages.find(message.id).await.unwrap(), None);
            }
        }
        assert_eq!(
            twice_stored, 1,
            "one of the two sends of a client id is stored"
        );
        assert_log_ends_at(&chat, team.id, 31 * (round + 1)).await;
    }
    assert_log_ends_at(&chat, news.id, 0).await;
    let created = events(&chat, team.id)
        .await
        .iter()
        .filter(|e| matches!(e.payload, EventPayload::MessageCreated { .. }))
        .count();
    assert_eq!(created, 31 * 5);
}

/// Makes the database itself refuse any message whose content is `poison`, with an error
/// that is neither a constraint nor a missing row: a failure only the database sees.
async fn poison_messages(chat: &Chat) {
    use sea_orm::ConnectionTrait;
    let db = chat.database.connect(1).await;
    let statements: &[&str] = match chat.database.backend_name() {
        "postgres" => &[
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.content = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON messages \
             FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
        ],
        "mysql" => &[
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW \
             BEGIN IF NEW.content = 'poison' THEN \
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned row'; END IF; END",
        ],
        _ => &["CREATE TRIGGER refuse_poison BEFORE INSERT ON messages \
             WHEN NEW.content = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

#[tokio::test]
async fn a_row_the_database_refuses_fails_only_its_own_append() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    let other = group(&chat, "Other", cyd, &[bob]).await;
    poison_messages(&chat).await;
    let at = now();
    let batch: Vec<(NewMessage, _)> = [
        new_message(team.id, ada, "one", Some("a-1")),
        new_message(other.id, cyd, "elsewhere", Some("c-1")),
        new_message(team.id, bob, "poison", Some("b-1")),
        new_message(team.id, ada, "two", Some("a-2")),
        new_message(other.id, bob, "poison", None),
        new_message(other.id, cyd, "still here", Some("c-2")),
    ]
    .into_iter()
    .map(|message| (message, at))
    .collect();
    let results = chat.messages.append_batch(&batch).await;
    let described: Vec<String> = results.iter().map(describe).collect();
    assert_eq!(described[0], "seq 1");
    assert_eq!(described[1], "seq 1");
    assert!(described[2].starts_with("unexpected"), "{}", described[2]);
    assert_eq!(described[3], "seq 2");
    assert!(described[4].starts_with("unexpected"), "{}", described[4]);
    assert_eq!(described[5], "seq 2");
    for ((message, _), result) in batch.iter().zip(&results) {
        let stored = chat.messages.find(message.id).await.unwrap();
        assert_eq!(stored.is_some(), result.is_ok(), "{:?}", message.content);
    }
    assert_log_ends_at(&chat, team.id, 2).await;
    assert_log_ends_at(&chat, other.id, 2).await;

    // The same through the writer, with the poisoned appends racing good ones.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let messages = chat.messages.clone();
            let (room, sender) = if i % 2 == 0 {
                (team.id, ada)
            } else {
                (other.id, cyd)
            };
            let text = if i % 5 == 3 {
                "poison".to_owned()
            } else {
                format!("m{i}")
            };
            let message = new_message(room, sender, &text, Some(&format!("w-{i}")));
            tokio::spawn(async move { (text, messages.append(&message, now()).await) })
        })
        .collect();
    let mut good = 0;
    for task in tasks {
        let (text, result) = task.await.unwrap();
        if text == "poison" {
            assert!(
                matches!(result, Err(RepositoryError::Unexpected(_))),
                "{}",
                describe(&result)
            );
        } else {
            result.unwrap();
            good += 1;
        }
    }
    assert_eq!(good, 32);
    assert_log_ends_at(&chat, team.id, 2 + 16).await;
    assert_log_ends_at(&chat, other.id, 2 + 16).await;
}

/// Records what the writer announces.
#[derive(Default)]
pub(crate) struct Recorder(pub(crate) std::sync::Mutex<Vec<(ConversationId, i64)>>);

impl palaver_domain::ports::Notifier for Recorder {
    fn notify(&self, notification: palaver_domain::conversation::Notification) {
        if let palaver_domain::conversation::Notification::Event(event) = notification {
            self.0
                .lock()
                .unwrap()
                .push((event.conversation_id, event.seq));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_writer_announces_every_committed_append_once_in_seq_order() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 40;
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let rooms = [
        group(&chat, "One", ada, &[bob]).await,
        group(&chat, "Two", bob, &[ada]).await,
    ];
    poison_messages(&chat).await;
    let recorder = Arc::new(Recorder::default());
    let database = connect_with(&chat.database, 8).await;
    let messages = Arc::new(SqlMessageRepository::announcing_to(
        &database,
        EventAnnouncer::new(recorder.clone()),
    ));
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let messages = messages.clone();
            let room = rooms[task % 2].id;
            let sender = if task % 3 == 0 { ada } else { bob };
            tokio::spawn(async move {
                let mut committed = Vec::new();
                for i in 0..PER_TASK {
                    let text = if i % 7 == 6 {
                        "poison".to_owned()
                    } else {
                        format!("t{task}-{i}")
                    };
                    let message = new_message(room, sender, &text, None);
                    if let Ok(event) = messages.append(&message, now()).await {
                        committed.push((room, event.seq));
                    }
                }
                committed
            })
        })
        .collect();
    let mut committed = Vec::new();
    for task in tasks {
        committed.extend(task.await.unwrap());
    }
    let announced = recorder.0.lock().unwrap().clone();
    for room in &rooms {
        let heard: Vec<i64> = announced
            .iter()
            .filter(|(conversation, _)| *conversation == room.id)
            .map(|(_, seq)| *seq)
            .collect();
        let count = committed.iter().filter(|(r, _)| *r == room.id).count();
        assert_eq!(
            heard,
            (1..=count as i64).collect::<Vec<_>>(),
            "in seq order, each once"
        );
    }
    assert_eq!(
        announced.len(),
        committed.len(),
        "refused appends are not announced"
    );
}
