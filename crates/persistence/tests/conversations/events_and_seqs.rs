//! The event log: one seq per change, without gaps, and payloads that show the rows as
//! they stand.

use crate::common::now;
use crate::fixtures::{
    chat_with, current, depart, events, group, kinds, last_seq, new_message, rename, say, seqs,
};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{
    ConversationId, EventPayload, MemberRole, MessageContent, MessageId,
};
use palaver_domain::ports::{ConversationRepository, MessageRepository};
use palaver_domain::user::UserId;

#[tokio::test]
async fn seqs_run_one_to_n_without_gaps_across_every_kind_of_event() {
    let (chat, [ada, bob, cyd, dee]) = chat_with(["ada", "bob", "cyd", "dee"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    assert_eq!(last_seq(&chat, team.id).await, 0);

    let hello = say(&chat, team.id, ada, "hello").await; // 1
    let typo = say(&chat, team.id, bob, "teh typo").await; // 2
    let fixed = MessageContent::parse("the typo").unwrap();
    chat.messages
        .edit(typo.id, &fixed, &[], now())
        .await
        .unwrap(); // 3
    chat.messages
        .delete(hello.id, now())
        .await
        .unwrap()
        .unwrap(); // 4
    rename(&chat, team.id, ada, "Team 2").await.unwrap(); // 5
    let joined = chat
        .conversations
        .add_members(team.id, ada, &[cyd, dee, bob, cyd], now())
        .await
        .unwrap(); // 6, 7
    assert_eq!(seqs(&joined), [6, 7]);
    chat.conversations
        .set_member_role(team.id, ada, cyd, MemberRole::Admin, now())
        .await
        .unwrap(); // 8
    chat.conversations
        .remove_member(team.id, ada, dee, now())
        .await
        .unwrap(); // 9
    let left = depart(&chat, team.id, ada, ada).await; // 10, 11
    assert_eq!(seqs(&left), [10, 11]);
    rename(&chat, team.id, cyd, "Team 3").await.unwrap(); // 12

    // Failures hand their seq back.
    let ghost = UserId::generate();
    assert!(matches!(
        chat.conversations
            .set_member_role(team.id, cyd, ghost, MemberRole::Admin, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .remove_member(team.id, cyd, ghost, now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .add_members(team.id, cyd, &[ghost], now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.messages.edit(hello.id, &fixed, &[], now()).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(chat.messages.delete(hello.id, now()).await.unwrap(), None);
    assert!(
        chat.conversations
            .add_members(team.id, cyd, &[bob, cyd], now())
            .await
            .unwrap()
            .is_empty()
    );

    let log = events(&chat, team.id).await;
    assert_eq!(seqs(&log), (1..=12).collect::<Vec<_>>());
    assert_eq!(last_seq(&chat, team.id).await, 12);
    assert_eq!(
        kinds(&log),
        [
            "message.created",
            "message.created",
            "message.updated",
            "message.deleted",
            "conversation.updated",
            "member.joined",
            "member.joined",
            "member.updated",
            "member.left",
            "member.left",
            "member.updated",
            "conversation.updated",
        ]
    );
    // Payloads show the rows as they stand now: no deleted words, the latest name.
    let current = current(&chat, team.id).await;
    assert_eq!(current.name.as_ref().unwrap().as_str(), "Team 3");
    assert_eq!(current.owner_id, Some(cyd));
    assert_eq!(current.member_count, 2);
    let stored_hello = chat.messages.find(hello.id).await.unwrap().unwrap();
    assert!(stored_hello.is_deleted() && stored_hello.content.is_none());
    let stored_typo = chat.messages.find(typo.id).await.unwrap().unwrap();
    assert_eq!(stored_typo.content, Some(fixed.clone()));
    assert!(stored_typo.edited_at.is_some());
    assert_eq!(
        log[0].payload,
        EventPayload::MessageCreated {
            message: stored_hello
        }
    );
    assert_eq!(
        log[1].payload,
        EventPayload::MessageCreated {
            message: stored_typo.clone()
        }
    );
    assert_eq!(
        log[2].payload,
        EventPayload::MessageUpdated {
            message: stored_typo
        }
    );
    assert_eq!(
        log[3].payload,
        EventPayload::MessageDeleted {
            message_id: hello.id
        }
    );
    assert_eq!(
        log[4].payload,
        EventPayload::ConversationUpdated {
            conversation: current.clone()
        }
    );
    assert_eq!(
        log[5].payload,
        EventPayload::MemberJoined {
            user_id: cyd,
            role: MemberRole::Member
        }
    );
    assert_eq!(
        log[6].payload,
        EventPayload::MemberJoined {
            user_id: dee,
            role: MemberRole::Member
        }
    );
    assert_eq!(
        log[7].payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Admin
        }
    );
    assert_eq!(log[8].payload, EventPayload::MemberLeft { user_id: dee });
    assert_eq!(log[9].payload, EventPayload::MemberLeft { user_id: ada });
    assert_eq!(
        log[10].payload,
        EventPayload::MemberUpdated {
            user_id: cyd,
            role: MemberRole::Owner
        }
    );
    assert_eq!(left, log[9..11]);
    assert_eq!(joined, log[5..7]);

    let tail = chat.conversations.list_events(team.id, 9, 2).await.unwrap();
    assert_eq!(seqs(&tail), [10, 11]);
    assert!(
        chat.conversations
            .list_events(team.id, 12, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Changes to a conversation that is gone.
    let gone = ConversationId::generate();
    assert!(matches!(
        chat.messages
            .append(&new_message(gone, ada, "anyone?", None), now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        rename(&chat, gone, ada, "x").await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.conversations
            .add_members(gone, ada, &[bob], now())
            .await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        chat.messages.delete(MessageId::generate(), now()).await,
        Err(RepositoryError::NotFound)
    ));
}
