//! The admin directory: every conversation, paged and searched by name, and the counts.

use crate::common::{connect, now};
use crate::fixtures::{chat_with, group_at, member, new_conversation, say_at};
use chrono::Duration;
use palaver_domain::conversation::{Conversation, ConversationKind, MemberRole};
use palaver_domain::ports::{
    AdminDirectory, AllConversationsQuery, ConversationRepository, CreatedCursor, StoreTotals,
};
use palaver_persistence::SqlAdminDirectory;

fn query(text: Option<&str>, after: Option<CreatedCursor>, limit: u64) -> AllConversationsQuery {
    AllConversationsQuery {
        name_contains: text.map(str::to_owned),
        after,
        limit,
    }
}

#[tokio::test]
async fn every_conversation_newest_first_in_pages_and_by_name() {
    let (chat, [ada, bob, cy]) = chat_with(["ada", "bob", "cyd"]).await;
    let admin = SqlAdminDirectory::new(&connect(&chat.database).await);
    let oldest = group_at(&chat, "Garden club", ada, &[], now() - Duration::hours(3)).await;
    let middle = group_at(
        &chat,
        "Book 100%_club",
        bob,
        &[],
        now() - Duration::hours(2),
    )
    .await;
    let newest = group_at(&chat, "Ops", cy, &[], now() - Duration::hours(1)).await;
    let direct = new_conversation(ConversationKind::Direct, None, None, 2, now());
    let members = [ada, bob].map(|u| member(direct.id, u, MemberRole::Member, now()));
    let pair = format!("{}:{}", ada.as_uuid().simple(), bob.as_uuid().simple());
    let (direct, _) = chat
        .conversations
        .find_or_create_direct(&direct, &members, &pair)
        .await
        .unwrap();

    let ids = |found: Vec<Conversation>| found.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let first = admin
        .all_conversations(&query(None, None, 2))
        .await
        .unwrap();
    assert_eq!(
        ids(first.clone()),
        vec![direct.id, newest.id],
        "none of them is hidden from an admin"
    );
    let last = first.last().unwrap();
    let after = CreatedCursor {
        created_at: last.created_at,
        conversation_id: last.id,
    };
    let rest = admin
        .all_conversations(&query(None, Some(after), 5))
        .await
        .unwrap();
    assert_eq!(ids(rest), vec![middle.id, oldest.id]);

    let clubs = admin
        .all_conversations(&query(Some("club"), None, 5))
        .await
        .unwrap();
    assert_eq!(
        ids(clubs),
        vec![middle.id, oldest.id],
        "matched in any case, direct ones have no name"
    );
    let literal = admin
        .all_conversations(&query(Some("100%_"), None, 5))
        .await
        .unwrap();
    assert_eq!(
        ids(literal),
        vec![middle.id],
        "% and _ are matched as themselves"
    );
    let none = admin
        .all_conversations(&query(Some("nothing like it"), None, 5))
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn totals_count_users_conversations_and_messages_since_a_time() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let admin = SqlAdminDirectory::new(&connect(&chat.database).await);
    let today = now();
    assert_eq!(
        admin.totals(today).await.unwrap(),
        StoreTotals {
            users: 2,
            ..StoreTotals::default()
        }
    );
    let group = group_at(&chat, "Team", ada, &[bob], today - Duration::days(2)).await;
    say_at(&chat, group.id, ada, "yesterday", today - Duration::days(1)).await;
    say_at(&chat, group.id, bob, "today", today).await;
    say_at(
        &chat,
        group.id,
        ada,
        "later today",
        today + Duration::minutes(5),
    )
    .await;

    let totals = admin.totals(today).await.unwrap();
    assert_eq!(
        totals,
        StoreTotals {
            users: 2,
            conversations: 1,
            messages: 3,
            messages_since: 2,
        }
    );
}
