//! Full-text search of a user's messages on every backend.

use crate::common::now;
use crate::fixtures::{chat_with, group, ids, say};
use palaver_domain::conversation::MessageContent;
use palaver_domain::ports::{ConversationRepository, MessageRepository};
use std::collections::BTreeSet;

#[tokio::test]
async fn search_uses_the_full_text_index_within_the_users_conversations() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let shared = group(&chat, "Shared", ada, &[bob]).await;
    let adas = group(&chat, "Ada's", ada, &[]).await;
    let bobs = group(&chat, "Bob's", bob, &[]).await;
    let once = say(&chat, shared.id, ada, "pineapple smoothie recipe").await;
    let thrice = say(
        &chat,
        shared.id,
        bob,
        "pineapple pineapple pineapple everywhere",
    )
    .await;
    say(&chat, shared.id, bob, "completely unrelated chatter").await;
    let accented = say(&chat, shared.id, bob, "Crème brûlée tonight").await;
    let pizza = say(&chat, adas.id, ada, "pineapple pizza debate").await;
    let secret = say(&chat, bobs.id, bob, "pineapple secret plans").await;
    for filler in [
        "nothing relevant",
        "mango lassi later",
        "weekly status report",
    ] {
        say(&chat, adas.id, ada, filler).await;
        say(&chat, bobs.id, bob, filler).await;
    }
    let search = |user, text: &'static str, conversation, offset, limit| {
        let messages = chat.messages.clone();
        let filters = palaver_domain::ports::SearchFilters {
            conversation,
            ..Default::default()
        };
        async move {
            ids(&messages
                .search(user, text, &filters, offset, limit)
                .await
                .unwrap())
        }
    };

    // The best match first; never another's conversation.
    let found = search(ada, "pineapple", None, 0, 10).await;
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0], thrice.id);
    assert_eq!(
        BTreeSet::from_iter(found[1..].iter().copied()),
        BTreeSet::from([once.id, pizza.id])
    );
    let for_bob = search(bob, "PINEAPPLE", None, 0, 10).await;
    assert_eq!(for_bob[0], thrice.id);
    assert_eq!(
        BTreeSet::from_iter(for_bob.iter().copied()),
        BTreeSet::from([thrice.id, once.id, secret.id])
    );
    assert_eq!(search(bob, "pineapple", None, 1, 1).await, [for_bob[1]]);
    assert_eq!(
        search(ada, "pineapple", Some(adas.id), 0, 10).await,
        [pizza.id]
    );
    assert!(
        search(ada, "pineapple", Some(bobs.id), 0, 10)
            .await
            .is_empty()
    );
    assert_eq!(search(ada, "smoothie recipe", None, 0, 10).await, [once.id]);
    assert_eq!(search(ada, "crème", None, 0, 10).await, [accented.id]);
    assert!(search(ada, "", None, 0, 10).await.is_empty());
    assert!(search(ada, "  \t ", None, 0, 10).await.is_empty());
    assert!(search(ada, "!!!", None, 0, 10).await.is_empty());
    assert!(
        search(ada, "\"pineapple", None, 0, 10).await.len() <= 3,
        "quotes are harmless"
    );

    // Edits re-index, deletions leave the index.
    chat.messages
        .edit(
            once.id,
            &MessageContent::parse("mango smoothie recipe").unwrap(),
            &[],
            now(),
        )
        .await
        .unwrap();
    chat.messages.delete(thrice.id, now()).await.unwrap();
    assert_eq!(search(ada, "pineapple", None, 0, 10).await, [pizza.id]);
    assert_eq!(
        search(ada, "mango", Some(shared.id), 0, 10).await,
        [once.id]
    );

    // Leaving a conversation takes its messages out of one's results.
    chat.conversations
        .remove_member(shared.id, bob, bob, now())
        .await
        .unwrap();
    assert_eq!(search(bob, "pineapple", None, 0, 10).await, [secret.id]);
    assert!(
        search(bob, "mango", Some(shared.id), 0, 10)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn search_requires_every_word_on_every_backend() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let team = group(&chat, "Team", ada, &[]).await;
    // Words of at least three letters and no stopwords, which InnoDB indexes.
    say(&chat, team.id, ada, "purple elephant parade").await;
    say(&chat, team.id, ada, "dancing giraffe tonight").await;
    let search = async |text: &str| {
        ids(&chat
            .messages
            .search(ada, text, &Default::default(), 0, 10)
            .await
            .unwrap())
    };
    assert!(search("elephant giraffe").await.is_empty());
    assert!(search("giraffe +elephant").await.is_empty());

    let both = say(&chat, team.id, ada, "the elephant greets the giraffe").await;
    assert_eq!(search("elephant giraffe").await, [both.id]);
    assert_eq!(search("Giraffe, ELEPHANT!").await, [both.id]);
    // Operator characters are only separators.
    assert_eq!(search("-giraffe* (elephant)").await, [both.id]);
    assert_eq!(search("elephant").await.len(), 2);
}

/// On SQLite new messages are indexed after their commit: edits and deletions that come
/// before a message is indexed must leave the same results as after.
#[tokio::test]
async fn edits_and_deletions_of_messages_not_yet_indexed_are_searched_as_they_stand() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let team = group(&chat, "Team", ada, &[]).await;
    let edited = say(&chat, team.id, ada, "walrus meeting notes").await;
    let deleted = say(&chat, team.id, ada, "walrus secret").await;
    let kept = say(&chat, team.id, ada, "walrus lunch").await;
    chat.messages
        .edit(
            edited.id,
            &MessageContent::parse("penguin meeting notes").unwrap(),
            &[],
            now(),
        )
        .await
        .unwrap();
    chat.messages.delete(deleted.id, now()).await.unwrap();
    let search = async |text: &str| {
        ids(&chat
            .messages
            .search(ada, text, &Default::default(), 0, 10)
            .await
            .unwrap())
    };
    assert_eq!(search("walrus").await, [kept.id]);
    assert_eq!(search("penguin").await, [edited.id]);
    assert!(search("secret").await.is_empty());
    // Once indexed, a later edit re-indexes as before.
    chat.messages
        .edit(
            kept.id,
            &MessageContent::parse("seal lunch").unwrap(),
            &[],
            now(),
        )
        .await
        .unwrap();
    assert!(search("walrus").await.is_empty());
    assert_eq!(search("seal").await, [kept.id]);
}
