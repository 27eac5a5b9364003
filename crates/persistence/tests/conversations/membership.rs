//! Who may remove whom and change roles, and who takes over when the owner leaves.

use crate::common::now;
use crate::fixtures::{
    MAY_NOT_REMOVE, assert_forbidden, channel, chat_with, current, depart, events,
    group_joined_in_turn, kinds, last_seq, owners, rename, seqs,
};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{EventPayload, MemberRole};
use palaver_domain::ports::ConversationRepository;
use std::collections::BTreeSet;

#[tokio::test]
async fn an_owner_who_leaves_hands_over_to_the_longest_standing_admin_else_member() {
    let (chat, [ada, bob, cyd, dee]) = chat_with(["ada", "bob", "cyd", "dee"]).await;
    // bob joins first as a member; cyd and dee later, both made admins.
    let team = group_joined_in_turn(&chat, "Team", ada, &[bob, cyd, dee]).await;
    chat.conversations
        .set_member_role(team.id, ada, dee, MemberRole::Admin, now())
        .await
        .unwrap();
    chat.conversations
        .set_member_role(team.id, ada, cyd, MemberRole::Admin, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;

    let left = depart(&chat, team.id, ada, ada).await;
    assert_eq!(seqs(&left), [before + 1, before + 2]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: ada });
    assert_eq!(
        left[1].payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Owner
        }
    );
    let team_now = current(&chat, team.id).await;
    assert_eq!((team_now.owner_id, team_now.member_count), (Some(cyd), 3));
    assert_eq!(
        chat.conversations
            .find_member(team.id, cyd)
            .await
            .unwrap()
            .unwrap()
            .role,
        MemberRole::Owner
    );
    assert_eq!(
        chat.conversations.find_member(team.id, ada).await.unwrap(),
        None
    );

    // A plain member leaving hands nothing over.
    let left = depart(&chat, team.id, dee, dee).await;
    assert_eq!(kinds(&left), ["member.left"]);

    // No admin left: the longest-standing member takes over.
    let left = depart(&chat, team.id, cyd, cyd).await;
    assert_eq!(
        left[1].payload,
        EventPayload::MemberUpdated {
            user_id: bob,
            role: MemberRole::Owner
        }
    );
    let team_now = current(&chat, team.id).await;
    assert_eq!((team_now.owner_id, team_now.member_count), (Some(bob), 1));
    assert_eq!(
        seqs(&events(&chat, team.id).await),
        (1..=team_now.last_seq).collect::<Vec<_>>()
    );

    // Among several members, the one who joined first.
    let club = group_joined_in_turn(&chat, "Club", ada, &[dee, bob]).await;
    let left = depart(&chat, club.id, ada, ada).await;
    assert_eq!(
        left[1].payload,
        EventPayload::MemberUpdated {
            user_id: dee,
            role: MemberRole::Owner
        }
    );
}

#[tokio::test]
async fn a_role_change_by_an_owner_who_has_since_left_is_refused() {
    let (chat, [ada, bob, cyd]) = chat_with(["ada", "bob", "cyd"]).await;
    let team = group_joined_in_turn(&chat, "Team", ada, &[bob, cyd]).await;
    chat.conversations
        .set_member_role(team.id, ada, bob, MemberRole::Admin, now())
        .await
        .unwrap();
    // Ada leaves; the hand-off makes bob, the admin, the owner. Her request to demote him,
    // checked against the roles before she left, arrives only now: she is no member.
    chat.conversations
        .remove_member(team.id, ada, ada, now())
        .await
        .unwrap();
    let before = last_seq(&chat, team.id).await;
    assert!(matches!(
        chat.conversations
            .set_member_role(team.id, ada, bob, MemberRole::Member, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(last_seq(&chat, team.id).await, before);
    assert_eq!(
        events(&chat, team.id).await.len(),
        usize::try_from(before).unwrap()
    );
    assert_eq!(owners(&chat, team.id).await, [bob]);
    assert_eq!(current(&chat, team.id).await.owner_id, Some(bob));

    // Only the owner changes roles, never their own, and only a member's.
    let refusals = [
        (cyd, cyd, "only the owner may change roles"),
        (cyd, bob, "only the owner may change roles"),
        (bob, bob, "the owner's role changes only when they leave"),
    ];
    for (actor, target, reason) in refusals {
        let refused = chat
            .conversations
            .set_member_role(team.id, actor, target, MemberRole::Admin, now())
            .await;
        assert!(
            matches!(refused, Err(RepositoryError::Forbidden(r)) if r == reason),
            "{refused:?}"
        );
    }
    assert!(matches!(
        chat.conversations
            .set_member_role(team.id, bob, ada, MemberRole::Admin, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(last_seq(&chat, team.id).await, before);

    // The new owner may.
    let event = chat
        .conversations
        .set_member_role(team.id, bob, cyd, MemberRole::Admin, now())
        .await
        .unwrap();
    assert_eq!(event.seq, before + 1);
    assert_eq!(
        event.payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Admin
        }
    );
    assert_eq!(owners(&chat, team.id).await, [bob]);
}

#[tokio::test]
async fn owners_remove_anyone_admins_remove_plain_members_members_only_leave() {
    let (chat, [ada, bob, cyd, dee, eve]) = chat_with(["ada", "bob", "cyd", "dee", "eve"]).await;
    let news = channel(&chat, "News", ada, &[bob, cyd], &[dee, eve]).await;

    // Refused: an admin removing another admin or the owner, a member removing anyone.
    for (actor, target) in [(bob, cyd), (bob, ada), (dee, eve), (dee, bob), (dee, ada)] {
        assert_forbidden(
            chat.conversations
                .remove_member(news.id, actor, target, now())
                .await,
            MAY_NOT_REMOVE,
        );
    }
    assert_eq!(last_seq(&chat, news.id).await, 0);
    assert!(events(&chat, news.id).await.is_empty());
    assert_eq!(
        chat.conversations.member_ids(news.id).await.unwrap().len(),
        5
    );

    // An admin removes a plain member.
    let left = depart(&chat, news.id, bob, dee).await;
    assert_eq!(seqs(&left), [1]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: dee });
    // The owner removes an admin; no hand-off, since the owner stays.
    let left = depart(&chat, news.id, ada, cyd).await;
    assert_eq!(seqs(&left), [2]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: cyd });
    // A plain member leaves on their own.
    let left = depart(&chat, news.id, eve, eve).await;
    assert_eq!(seqs(&left), [3]);
    assert_eq!(left[0].payload, EventPayload::MemberLeft { user_id: eve });

    let news_now = current(&chat, news.id).await;
    assert_eq!((news_now.owner_id, news_now.member_count), (Some(ada), 2));
    assert_eq!(
        BTreeSet::from_iter(chat.conversations.member_ids(news.id).await.unwrap()),
        BTreeSet::from([ada, bob])
    );
    assert_eq!(owners(&chat, news.id).await, [ada]);
    assert_eq!(
        seqs(&events(&chat, news.id).await),
        (1..=3).collect::<Vec<_>>()
    );

    // Admins rename and add as the owner does.
    rename(&chat, news.id, bob, "Daily").await.unwrap();
    let joined = chat
        .conversations
        .add_members(news.id, bob, &[dee], now())
        .await
        .unwrap();
    assert_eq!(seqs(&joined), [5]);
}
