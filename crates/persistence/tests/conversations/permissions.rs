//! Roles and memberships checked again under the conversation's lock: a change since the
//! caller looked is refused and uses no seq.

use crate::common::now;
use crate::fixtures::{
    MAY_NOT_ADD, MAY_NOT_REMOVE, MAY_NOT_RENAME, assert_forbidden, assert_log_ends_at,
    assert_not_found, channel, chat_with, current, group, last_seq, new_message, rename, say,
};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{ClientId, MemberRole};
use palaver_domain::ports::{ConversationRepository, MessageRepository};
use palaver_domain::user::UserId;
use std::collections::BTreeSet;

#[tokio::test]
async fn a_sender_removed_since_the_check_cannot_append() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    say(&chat, team.id, bob, "hello").await;
    chat.conversations
        .remove_member(team.id, ada, bob, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;
    let late = new_message(team.id, bob, "one more thing", Some("late-1"));
    assert!(matches!(
        chat.messages.append(&late, now()).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(chat.messages.find(late.id).await.unwrap(), None);
    assert_eq!(
        chat.messages
            .find_by_client_id(bob, &ClientId::parse("late-1").unwrap())
            .await
            .unwrap(),
        None
    );
    assert_log_ends_at(&chat, team.id, before).await;
    // The seq was given back: the next message takes it.
    assert_eq!(say(&chat, team.id, ada, "bye").await.seq, before + 1);
}

#[tokio::test]
async fn only_a_channels_owner_and_admins_append() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let news = channel(&chat, "News", ada, &[bob], &[cyd]).await;
    say(&chat, news.id, ada, "from the owner").await;
    say(&chat, news.id, bob, "from an admin").await;
    let forbidden = "only the owner and admins post in a channel";
    let attempt = new_message(news.id, cyd, "from a member", None);
    assert!(matches!(
        chat.messages.append(&attempt, now()).await,
        Err(RepositoryError::Forbidden(r)) if r == forbidden
    ));

    // Demoted since the use-case looked: refused under the lock.
    chat.conversations
        .set_member_role(news.id, ada, bob, MemberRole::Member, now())
        .await
        .unwrap();
    let before = last_seq(&chat, news.id).await;
    let stale = new_message(news.id, bob, "still an admin?", None);
    assert!(matches!(
        chat.messages.append(&stale, now()).await,
        Err(RepositoryError::Forbidden(r)) if r == forbidden
    ));
    assert_eq!(chat.messages.find(stale.id).await.unwrap(), None);
    assert_eq!(last_seq(&chat, news.id).await, before);

    // Members of a group post freely.
    let team = group(&chat, "Team", ada, &[cyd]).await;
    say(&chat, team.id, cyd, "from a member").await;
}

#[tokio::test]
async fn an_admin_demoted_since_the_check_can_no_longer_rename_add_or_remove() {
    let (chat, [ada, bob, cyd, dee]) = chat_with(["ada", "bob", "cyd", "dee"]).await;
    let team = group(&chat, "Team", ada, &[bob, cyd]).await;
    chat.conversations
        .set_member_role(team.id, ada, bob, MemberRole::Admin, now())
        .await
        .unwrap();
    // As an admin bob may; the use-case checks his role and finds him one.
    rename(&chat, team.id, bob, "Bob's").await.unwrap();
    // Then ada demotes him before his next requests reach the store.
    chat.conversations
        .set_member_role(team.id, ada, bob, MemberRole::Member, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;

    assert_forbidden(rename(&chat, team.id, bob, "Mine").await, MAY_NOT_RENAME);
    assert_forbidden(
        chat.conversations
            .add_members(team.id, bob, &[dee], now())
            .await,
        MAY_NOT_ADD,
    );
    assert_forbidden(
        chat.conversations
            .remove_member(team.id, bob, cyd, now())
            .await,
        MAY_NOT_REMOVE,
    );

    // Nothing was written and no seq was used.
    assert_log_ends_at(&chat, team.id, before).await;
    let team_now = current(&chat, team.id).await;
    assert_eq!(team_now.name.unwrap().as_str(), "Bob's");
    assert_eq!(team_now.member_count, 3);
    assert_eq!(
        chat.conversations.member_ids(team.id).await.unwrap().len(),
        3
    );
    assert_eq!(
        chat.conversations.find_member(team.id, dee).await.unwrap(),
        None
    );
    assert!(
        chat.conversations
            .find_member(team.id, cyd)
            .await
            .unwrap()
            .is_some()
    );
    // The next change takes the seq the refusals did not.
    let event = rename(&chat, team.id, ada, "Ada's").await.unwrap();
    assert_eq!(event.seq, before + 1);
}

#[tokio::test]
async fn an_actor_who_is_not_a_member_is_not_found() {
    let (chat, [ada, bob, cyd, dee]) = chat_with(["ada", "bob", "cyd", "dee"]).await;
    let team = group(&chat, "Team", ada, &[bob, dee]).await;
    // dee was a member and left; cyd never was one.
    chat.conversations
        .remove_member(team.id, dee, dee, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;

    for outsider in [cyd, dee, UserId::generate()] {
        assert_not_found(rename(&chat, team.id, outsider, "x").await);
        assert_not_found(
            chat.conversations
                .add_members(team.id, outsider, &[outsider], now())
                .await,
        );
        assert_not_found(
            chat.conversations
                .remove_member(team.id, outsider, bob, now())
                .await,
        );
        assert_not_found(
            chat.conversations
                .remove_member(team.id, outsider, outsider, now())
                .await,
        );
        // Nor is removing someone who is not a member, even for a plain member.
        assert_not_found(
            chat.conversations
                .remove_member(team.id, bob, outsider, now())
                .await,
        );
    }
    assert_log_ends_at(&chat, team.id, before).await;
    let team_now = current(&chat, team.id).await;
    assert_eq!(team_now.name.unwrap().as_str(), "Team");
    assert_eq!(team_now.member_count, 2);
    assert_eq!(
        BTreeSet::from_iter(chat.conversations.member_ids(team.id).await.unwrap()),
        BTreeSet::from([ada, bob])
    );
}
