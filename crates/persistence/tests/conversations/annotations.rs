//! The message view's summaries (attachments, reactions, threads, mentions, pins) and what
//! a page of them costs: a fixed number of statements, whatever the page size.

use crate::common::{connect_with, now};
use crate::fixtures::{chat_with, group, new_message};
use palaver_domain::attachment::{
    Attachment, AttachmentId, ContentType, FileName, ObjectKey, Sha256Hex,
};
use palaver_domain::conversation::{EmojiKey, MessageId};
use palaver_domain::ports::{AttachmentRepository, MessageRepository, SeqWindow};
use palaver_persistence::{SqlAttachmentRepository, SqlMessageRepository};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn a_page_of_annotated_messages_costs_the_same_for_5_and_50() {
    let (chat, [ada, bob]) = chat_with(["ada", "bob"]).await;
    let team = group(&chat, "Team", ada, &[bob]).await;
    let thumbs = EmojiKey::parse("👍").unwrap();
    let tada = EmojiKey::parse(":tada:").unwrap();
    // 50 roots, each with a file, a reaction or two, a mention, a pin on every other; then
    // a reply in each root's thread.
    let writer = connect_with(&chat.database, 1).await;
    let uploads = SqlAttachmentRepository::new(&writer);
    let mut roots: Vec<MessageId> = Vec::new();
    for n in 0..50 {
        let mut new = new_message(team.id, ada, &format!("root {n} @bob"), None);
        new.mentions = vec![bob];
        let id = AttachmentId::generate();
        let file = Attachment {
            id,
            uploader_id: Some(ada),
            filename: FileName::parse(&format!("notes-{n}.txt")).unwrap(),
            content_type: ContentType::parse("text/plain").unwrap(),
            size: 5,
            sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
            width: None,
            height: None,
            storage_key: ObjectKey::for_attachment(id),
            thumbnail_key: None,
            message_id: None,
            created_at: now(),
        };
        uploads.insert(&file).await.unwrap();
        new.attachments = vec![file];
        let root = chat.messages.append(&new, now()).await.unwrap();
        let id = new.id;
        assert_eq!(root.seq, chat.messages.find(id).await.unwrap().unwrap().seq);
        chat.messages.react(id, bob, &thumbs, now()).await.unwrap();
        chat.messages.react(id, ada, &tada, now()).await.unwrap();
        if n % 2 == 0 {
            chat.messages.pin(id, ada, now()).await.unwrap();
        }
        roots.push(id);
    }
    for root in &roots {
        let mut reply = new_message(team.id, bob, "reply", None);
        reply.thread_root_id = Some(*root);
        chat.messages.append(&reply, now()).await.unwrap();
    }

    let statements = Arc::new(AtomicUsize::new(0));
    let mut observed = connect_with(&chat.database, 2).await;
    let counter = statements.clone();
    observed.observe_statements(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let messages = SqlMessageRepository::new(&observed);
    let last_root = chat.messages.find(roots[49]).await.unwrap().unwrap().seq;
    let count_for = async |n: u64| {
        statements.store(0, Ordering::Relaxed);
        let page = messages
            .list(team.id, SeqWindow::Before(last_root + 1), n)
            .await
            .unwrap();
        assert_eq!(page.messages.len() as u64, n);
        let roots_in_page: Vec<_> = page.messages.iter().collect();
        for message in &roots_in_page {
            let annotations = &message.annotations;
            assert_eq!(message.attachments.len(), 1, "{}", message.seq);
            assert_eq!(annotations.reactions.len(), 2, "{}", message.seq);
            assert_eq!(annotations.reactions[0].emoji, thumbs);
            assert_eq!(annotations.reactions[0].user_ids, [bob]);
            assert_eq!(annotations.mentions, [bob]);
            let thread = annotations.thread.as_ref().expect("a thread");
            assert_eq!(
                (thread.reply_count, thread.participant_ids.clone()),
                (1, vec![bob])
            );
        }
        assert!(
            roots_in_page
                .iter()
                .any(|m| m.annotations.pinned_at.is_some())
        );
        assert!(
            roots_in_page
                .iter()
                .any(|m| m.annotations.pinned_at.is_none())
        );
        statements.load(Ordering::Relaxed)
    };
    let for_five = count_for(5).await;
    let for_fifty = count_for(50).await;
    eprintln!("list: {for_five} statements for 5 messages, {for_fifty} for 50");
    assert_eq!(for_five, for_fifty);
    // The page itself, then attachments, reactions, threads, mentions and pins.
    assert_eq!(for_five, 6);
}

#[tokio::test]
async fn a_bad_thread_root_fails_only_its_own_item_of_a_batch() {
    let (chat, [ada]) = chat_with(["ada"]).await;
    let team = group(&chat, "Team", ada, &[]).await;
    let other = group(&chat, "Other", ada, &[]).await;
    let root = crate::fixtures::say(&chat, team.id, ada, "root").await;
    let elsewhere = crate::fixtures::say(&chat, other.id, ada, "elsewhere").await;
    let with_root = |text: &str, root: MessageId| {
        let mut new = new_message(team.id, ada, text, None);
        new.thread_root_id = Some(root);
        (new, now())
    };
    // A first reply, so that a reply to it can join the same root.
    let first = chat
        .messages
        .append_batch(&[with_root("first", root.id)])
        .await
        .remove(0)
        .unwrap();
    let first_id = crate::fixtures::created_message(first).id;
    let results = chat
        .messages
        .append_batch(&[
            with_root("good", root.id),
            with_root("foreign", elsewhere.id),
            with_root("nested", first_id),
            with_root("unknown", MessageId::generate()),
        ])
        .await;
    let roots: Vec<_> = results
        .into_iter()
        .map(|r| r.map(|e| crate::fixtures::created_message(e).thread_root_id))
        .collect();
    assert!(matches!(roots[0], Ok(Some(id)) if id == root.id));
    assert!(
        matches!(&roots[1], Err(palaver_domain::RepositoryError::Invalid(e)) if e.field == "thread_root_id")
    );
    assert!(
        matches!(roots[2], Ok(Some(id)) if id == root.id),
        "{:?}",
        roots[2]
    );
    assert!(matches!(
        &roots[3],
        Err(palaver_domain::RepositoryError::Invalid(_))
    ));
}
