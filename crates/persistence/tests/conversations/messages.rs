//! Listing messages by seq window, and client ids.

use crate::common::now;
use crate::fixtures::{chat_with, created_message, group, new_message, say};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ClientId;
use palaver_domain::ports::{MessageRepository, SeqWindow};

#[tokio::test]
async fn messages_are_listed_by_seq_windows_ascending_with_has_more() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let team = group(&chat, "Team", ada, &[]).await;
    for i in 1..=10 {
        say(&chat, team.id, ada, &format!("message {i}")).await;
    }
    let deleted = chat
        .messages
        .list(team.id, SeqWindow::After(3), 1)
        .await
        .unwrap()
        .messages[0]
        .id;
    chat.messages.delete(deleted, now()).await.unwrap();
    let page = |window, limit| {
        let messages = chat.messages.clone();
        async move {
            let page = messages.list(team.id, window, limit).await.unwrap();
            (
                page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
                page.has_more,
            )
        }
    };
    assert_eq!(page(SeqWindow::Newest, 3).await, (vec![8, 9, 10], true));
    assert_eq!(
        page(SeqWindow::Newest, 20).await,
        ((1..=10).collect(), false)
    );
    assert_eq!(page(SeqWindow::Before(8), 3).await, (vec![5, 6, 7], true));
    assert_eq!(page(SeqWindow::Before(3), 3).await, (vec![1, 2], false));
    assert_eq!(page(SeqWindow::Before(4), 3).await, (vec![1, 2, 3], false));
    assert_eq!(page(SeqWindow::After(0), 3).await, (vec![1, 2, 3], true));
    assert_eq!(page(SeqWindow::After(7), 3).await, (vec![8, 9, 10], false));
    assert_eq!(page(SeqWindow::After(10), 3).await, (vec![], false));
    assert_eq!(
        page(SeqWindow::Between(2, 7), 3).await,
        (vec![3, 4, 5], true)
    );
    assert_eq!(
        page(SeqWindow::Between(2, 6), 3).await,
        (vec![3, 4, 5], false)
    );
    // The tombstone keeps its place.
    let tombstone = chat
        .messages
        .list(team.id, SeqWindow::Between(3, 5), 5)
        .await
        .unwrap();
    assert_eq!(tombstone.messages.len(), 1);
    assert!(tombstone.messages[0].is_deleted() && tombstone.messages[0].content.is_none());
}

#[tokio::test]
async fn client_ids_differing_only_in_case_are_different() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let team = group(&chat, "Team", ada, &[]).await;
    let lower = created_message(
        chat.messages
            .append(&new_message(team.id, ada, "lower", Some("abc")), now())
            .await
            .unwrap(),
    );
    let upper = created_message(
        chat.messages
            .append(&new_message(team.id, ada, "upper", Some("ABC")), now())
            .await
            .unwrap(),
    );
    assert_ne!(lower.id, upper.id);
    for (client_id, message) in [("abc", &lower), ("ABC", &upper)] {
        assert_eq!(
            chat.messages
                .find_by_client_id(ada, &ClientId::parse(client_id).unwrap())
                .await
                .unwrap()
                .as_ref(),
            Some(message)
        );
    }
    assert_eq!(
        chat.messages
            .find_by_client_id(ada, &ClientId::parse("Abc").unwrap())
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        chat.messages
            .append(&new_message(team.id, ada, "again", Some("ABC")), now())
            .await,
        Err(RepositoryError::Conflict {
            field: palaver_domain::Taken::ClientId
        })
    ));
}
