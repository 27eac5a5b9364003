//! The webhook repository against a real database: SQLite by default, PostgreSQL or MySQL
//! when PALAVER_TEST_DATABASE_URL is set. Each test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{connect, insert_group, insert_users, now};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{
    AttemptOutcome, DeliveryState, DueDelivery, Webhook, WebhookAttempt, WebhookDelivery,
    WebhookDeliveryId, WebhookEvents, WebhookId,
};
use palaver_domain::ports::WebhookRepository;
use palaver_domain::user::UserId;
use palaver_migrations::testing::TestDatabase;
use palaver_persistence::{SqlConversationRepository, SqlUserRepository, SqlWebhooks};
use sea_orm::{ConnectionTrait, Statement};

struct Hooks {
    webhooks: SqlWebhooks,
    conversations: SqlConversationRepository,
    admin: UserId,
    database: TestDatabase,
}

async fn hooks() -> Hooks {
    let database = TestDatabase::create().await;
    let db = connect(&database).await;
    let users = SqlUserRepository::new(&db);
    let admin = insert_users(&users, &["ada"]).await[0];
    Hooks {
        webhooks: SqlWebhooks::new(&db),
        conversations: SqlConversationRepository::new(&db),
        admin,
        database,
    }
}

impl Hooks {
    /// A group the admin owns.
    async fn conversation(&self, name: &str) -> ConversationId {
        insert_group(&self.conversations, self.admin, name).await
    }

    /// A stored, enabled webhook for `conversation` (every one when `None`).
    async fn webhook(&self, conversation: Option<ConversationId>, at: DateTime<Utc>) -> Webhook {
        let hook = webhook(self.admin, conversation, at);
        self.webhooks.create(&hook).await.unwrap();
        hook
    }

    /// How many rows `table` holds.
    async fn count(&self, table: &str) -> i64 {
        let db = self.database.connect(1).await;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let n = row.try_get::<i64>("", "n").unwrap();
        db.close().await.ok();
        n
    }
}

fn events(names: &[&str]) -> WebhookEvents {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    WebhookEvents::parse(&names).unwrap()
}

fn webhook(admin: UserId, conversation: Option<ConversationId>, at: DateTime<Utc>) -> Webhook {
    Webhook {
        id: WebhookId::generate(),
        url: "https://example.org/hooks/palaver?token=abc".into(),
        events: events(&["message.created", "member.joined"]),
        conversation_id: conversation,
        secret: "whsec_0123456789abcdef".into(),
        created_by: admin,
        created_at: at,
        disabled_at: None,
        consecutive_failures: 0,
    }
}

fn delivery(
    hook: &Webhook,
    conversation: ConversationId,
    seq: i64,
    at: DateTime<Utc>,
) -> WebhookDelivery {
    WebhookDelivery {
        id: WebhookDeliveryId::generate(),
        webhook_id: hook.id,
        conversation_id: conversation,
        seq,
        event_type: "message.created".into(),
        body: format!(r#"{{"seq":{seq},"text":"héllo ✓"}}"#),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: at,
        created_at: at,
        finished_at: None,
    }
}

fn attempt(delivery: &WebhookDelivery, at: DateTime<Utc>, error: Option<&str>) -> WebhookAttempt {
    WebhookAttempt {
        delivery_id: delivery.id,
        attempted_at: at,
        status: Some(if error.is_some() { 503 } else { 204 }),
        error: error.map(str::to_owned),
        duration_ms: 42,
    }
}

/// What a claim took, as (conversation, seq), in a stable order.
fn taken(claimed: &[DueDelivery]) -> Vec<(ConversationId, i64)> {
    let mut taken: Vec<_> = claimed
        .iter()
        .map(|due| (due.delivery.conversation_id, due.delivery.seq))
        .collect();
    taken.sort();
    taken
}

fn sorted(mut pairs: Vec<(ConversationId, i64)>) -> Vec<(ConversationId, i64)> {
    pairs.sort();
    pairs
}

#[tokio::test]
async fn webhooks_round_trip_every_field_and_list_oldest_first() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now() - Duration::minutes(5);
    let global = webhook(h.admin, None, t0);
    let mut only_room = webhook(h.admin, Some(room), t0 + Duration::seconds(1));
    only_room.url = format!("https://example.org/{}", "x".repeat(1500));
    only_room.events = events(&[
        "reaction.removed",
        "message.created",
        "conversation.updated",
    ]);
    only_room.disabled_at = Some(t0 + Duration::seconds(2));
    only_room.consecutive_failures = 7;
    // Created newest first; listed oldest first.
    h.webhooks.create(&only_room).await.unwrap();
    h.webhooks.create(&global).await.unwrap();

    assert_eq!(h.webhooks.get(global.id).await.unwrap(), global);
    assert_eq!(h.webhooks.get(only_room.id).await.unwrap(), only_room);
    assert_eq!(
        h.webhooks.list().await.unwrap(),
        vec![global.clone(), only_room.clone()]
    );

    h.webhooks.delete(global.id).await.unwrap();
    assert!(matches!(
        h.webhooks.get(global.id).await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        h.webhooks.delete(global.id).await,
        Err(RepositoryError::NotFound)
    ));
    assert!(matches!(
        h.webhooks.set_enabled(global.id, true, now()).await,
        Err(RepositoryError::NotFound)
    ));
    assert_eq!(h.webhooks.list().await.unwrap(), vec![only_room]);
}

#[tokio::test]
async fn a_webhook_for_a_missing_conversation_is_not_found() {
    let h = hooks().await;
    let hook = webhook(h.admin, Some(ConversationId::generate()), now());
    assert!(matches!(
        h.webhooks.create(&hook).await,
        Err(RepositoryError::NotFound)
    ));
    assert!(h.webhooks.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn active_webhooks_are_the_enabled_global_ones_and_the_conversations_own() {
    let h = hooks().await;
    let (room, other) = (h.conversation("room").await, h.conversation("other").await);
    let t0 = now();
    let global = h.webhook(None, t0).await;
    let own = h.webhook(Some(room), t0 + Duration::seconds(1)).await;
    let _elsewhere = h.webhook(Some(other), t0 + Duration::seconds(2)).await;
    let disabled = h.webhook(Some(room), t0 + Duration::seconds(3)).await;
    h.webhooks
        .set_enabled(disabled.id, false, t0)
        .await
        .unwrap();

    let active: Vec<WebhookId> = h
        .webhooks
        .active_for(room)
        .await
        .unwrap()
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(active, vec![global.id, own.id]);
}

#[tokio::test]
async fn enqueueing_again_is_harmless_and_a_deleted_webhook_is_skipped() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let at = now();
    let hook = h.webhook(None, at).await;
    let gone = h.webhook(None, at).await;
    let batch = vec![delivery(&hook, room, 1, at), delivery(&hook, room, 2, at)];
    h.webhooks.enqueue(&batch).await.unwrap();
    h.webhooks.enqueue(&batch).await.unwrap();
    // The same event again under a new id is left out too.
    h.webhooks
        .enqueue(&[delivery(&hook, room, 2, at + Duration::seconds(1))])
        .await
        .unwrap();
    h.webhooks.enqueue(&[]).await.unwrap();

    // A webhook deleted between choosing it and enqueueing costs only its own rows.
    h.webhooks.delete(gone.id).await.unwrap();
    h.webhooks
        .enqueue(&[
            delivery(&gone, room, 3, at),
            delivery(&hook, room, 3, at),
            delivery(&gone, room, 4, at),
        ])
        .await
        .unwrap();

    let log = h.webhooks.deliveries(hook.id, 10).await.unwrap();
    let seqs: Vec<i64> = log.iter().map(|r| r.delivery.seq).collect();
    assert_eq!(seqs, vec![3, 2, 1]);
    assert_eq!(log[2].delivery, batch[0]);
    assert_eq!(log[1].delivery, batch[1]);
    assert_eq!(h.count("webhook_deliveries").await, 3);
}

#[tokio::test]
async fn a_claim_takes_the_head_of_each_line_once_and_the_next_after_delivery() {
    let h = hooks().await;
    let (room, other) = (h.conversation("room").await, h.conversation("other").await);
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let later = h.webhook(Some(room), t0).await;
    let first = delivery(&hook, room, 1, t0);
    let mut deliveries = vec![
        first.clone(),
        delivery(&hook, room, 2, t0),
        delivery(&hook, room, 3, t0),
        delivery(&hook, other, 7, t0),
    ];
    // Due only in a minute.
    let mut not_yet = delivery(&later, room, 1, t0);
    not_yet.next_attempt_at = t0 + Duration::minutes(1);
    deliveries.push(not_yet);
    h.webhooks.enqueue(&deliveries).await.unwrap();

    let lease = t0 + Duration::seconds(30);
    let claimed = h.webhooks.claim_due(t0, lease, 100).await.unwrap();
    assert_eq!(taken(&claimed), sorted(vec![(room, 1), (other, 7)]));
    let head = claimed
        .iter()
        .find(|due| due.delivery.id == first.id)
        .unwrap();
    assert_eq!(head.delivery, first);
    assert_eq!(head.url, hook.url);
    assert_eq!(head.secret, hook.secret);

    // Leased: nobody else takes them, and the line waits behind its head.
    assert!(
        h.webhooks
            .claim_due(t0, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );
    let soon = t0 + Duration::seconds(5);
    assert!(
        h.webhooks
            .claim_due(soon, lease, 100)
            .await
            .unwrap()
            .is_empty()
    );

    let disabled = h
        .webhooks
        .record_attempt(
            &first,
            &attempt(&first, soon, None),
            AttemptOutcome::Delivered,
            5,
        )
        .await
        .unwrap();
    assert!(!disabled);
    let claimed = h.webhooks.claim_due(soon, lease, 100).await.unwrap();
    assert_eq!(taken(&claimed), vec![(room, 2)]);

    // A lease that ran out is free again; the one at the minute mark is due by then.
    let past_lease = t0 + Duration::minutes(2);
    let claimed = h
        .webhooks
        .claim_due(past_lease, past_lease + Duration::seconds(30), 100)
        .await
        .unwrap();
    assert_eq!(
        taken(&claimed),
        sorted(vec![(room, 2), (other, 7), (room, 1)])
    );
    assert_eq!(
        claimed
            .iter()
            .filter(|due| due.delivery.webhook_id == later.id)
            .count(),
        1
    );

    // The limit holds.
    let much_later = t0 + Duration::minutes(10);
    let claimed = h
        .webhooks
        .claim_due(much_later, much_later + Duration::seconds(30), 1)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
}

#[tokio::test]
async fn a_disabled_webhooks_deliveries_are_not_claimed_until_it_is_enabled() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    h.webhooks
        .enqueue(&[delivery(&hook, room, 1, t0)])
        .await
        .unwrap();
    let off = h.webhooks.set_enabled(hook.id, false, t0).await.unwrap();
    assert_eq!(off.disabled_at, Some(t0));
    // Disabling again keeps the first time.
    let again = h
        .webhooks
        .set_enabled(hook.id, false, t0 + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(again.disabled_at, Some(t0));

    let lease = t0 + Duration::seconds(30);
    assert!(
        h.webhooks
            .claim_due(t0, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    h.webhooks.set_enabled(hook.id, true, t0).await.unwrap();
    assert_eq!(h.webhooks.claim_due(t0, lease, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn failures_in_a_row_disable_the_webhook_exactly_at_the_threshold() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let item = delivery(&hook, room, 1, t0);
    h.webhooks
        .enqueue(std::slice::from_ref(&item))
        .await
        .unwrap();

    let mut answers = Vec::new();
    for i in 1..=4 {
        let at = t0 + Duration::seconds(i);
        let disabled = h
            .webhooks
            .record_attempt(
                &item,
                &attempt(&item, at, Some("503 Service Unavailable")),
                AttemptOutcome::RetryAt(at + Duration::seconds(10)),
                3,
            )
            .await
            .unwrap();
        answers.push(disabled);
    }
    assert_eq!(answers, vec![false, false, true, false]);
    let stored = h.webhooks.get(hook.id).await.unwrap();
    assert_eq!(stored.disabled_at, Some(t0 + Duration::seconds(3)));
    assert_eq!(stored.consecutive_failures, 4);

    let record = &h.webhooks.deliveries(hook.id, 10).await.unwrap()[0];
    assert_eq!(record.delivery.state, DeliveryState::Pending);
    assert_eq!(record.delivery.attempts, 4);
    assert_eq!(record.delivery.next_attempt_at, t0 + Duration::seconds(14));

    // A threshold of 0 never disables.
    let patient = h.webhook(None, t0).await;
    let other = delivery(&patient, room, 1, t0);
    h.webhooks
        .enqueue(std::slice::from_ref(&other))
        .await
        .unwrap();
    for _ in 0..3 {
        let disabled = h
            .webhooks
            .record_attempt(
                &other,
                &attempt(&other, t0, Some("timeout")),
                AttemptOutcome::RetryAt(t0),
                0,
            )
            .await
            .unwrap();
        assert!(!disabled);
    }
    assert_eq!(h.webhooks.get(patient.id).await.unwrap().disabled_at, None);
}

#[tokio::test]
async fn a_success_forgets_the_failures() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let item = delivery(&hook, room, 1, t0);
    h.webhooks
        .enqueue(std::slice::from_ref(&item))
        .await
        .unwrap();
    for _ in 0..2 {
        h.webhooks
            .record_attempt(
                &item,
                &attempt(&item, t0, Some("refused")),
                AttemptOutcome::RetryAt(t0),
                3,
            )
            .await
            .unwrap();
    }
    assert_eq!(
        h.webhooks.get(hook.id).await.unwrap().consecutive_failures,
        2
    );
    let done = t0 + Duration::seconds(9);
    let disabled = h
        .webhooks
        .record_attempt(
            &item,
            &attempt(&item, done, None),
            AttemptOutcome::Delivered,
            3,
        )
        .await
        .unwrap();
    assert!(!disabled);
    assert_eq!(
        h.webhooks.get(hook.id).await.unwrap().consecutive_failures,
        0
    );
    let record = &h.webhooks.deliveries(hook.id, 10).await.unwrap()[0];
    assert_eq!(record.delivery.state, DeliveryState::Delivered);
    assert_eq!(record.delivery.finished_at, Some(done));
    assert_eq!(record.delivery.attempts, 3);

    // A node whose lease ran out reports late: its attempt counts, the outcome stands.
    let late = done + Duration::seconds(1);
    h.webhooks
        .record_attempt(
            &item,
            &attempt(&item, late, Some("timeout")),
            AttemptOutcome::GiveUp,
            3,
        )
        .await
        .unwrap();
    let record = &h.webhooks.deliveries(hook.id, 10).await.unwrap()[0];
    assert_eq!(record.delivery.state, DeliveryState::Delivered);
    assert_eq!(record.delivery.finished_at, Some(done));
    assert_eq!(record.delivery.attempts, 4);
    assert_eq!(record.attempts.len(), 4);
}

#[tokio::test]
async fn giving_up_on_the_head_lets_the_next_seq_go() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let head = delivery(&hook, room, 1, t0);
    h.webhooks
        .enqueue(&[head.clone(), delivery(&hook, room, 2, t0)])
        .await
        .unwrap();
    let lease = t0 + Duration::seconds(30);
    assert_eq!(
        taken(&h.webhooks.claim_due(t0, lease, 10).await.unwrap()),
        vec![(room, 1)]
    );
    let end = t0 + Duration::seconds(1);
    h.webhooks
        .record_attempt(
            &head,
            &attempt(&head, end, Some("gone")),
            AttemptOutcome::GiveUp,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        taken(&h.webhooks.claim_due(end, lease, 10).await.unwrap()),
        vec![(room, 2)]
    );
    let log = h.webhooks.deliveries(hook.id, 10).await.unwrap();
    let given_up = log.iter().find(|r| r.delivery.id == head.id).unwrap();
    assert_eq!(given_up.delivery.state, DeliveryState::Failed);
    assert_eq!(given_up.delivery.finished_at, Some(end));
}

#[tokio::test]
async fn enabling_again_forgets_failures_and_makes_pending_deliveries_due() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let item = delivery(&hook, room, 1, t0);
    h.webhooks
        .enqueue(std::slice::from_ref(&item))
        .await
        .unwrap();
    h.webhooks
        .claim_due(t0, t0 + Duration::hours(1), 10)
        .await
        .unwrap();
    let disabled = h
        .webhooks
        .record_attempt(
            &item,
            &attempt(&item, t0, Some("500")),
            AttemptOutcome::RetryAt(t0 + Duration::hours(2)),
            1,
        )
        .await
        .unwrap();
    assert!(disabled);
    // Leased again (as by a node that stalled), and due only in two hours.
    let later = t0 + Duration::minutes(1);
    let enabled = h.webhooks.set_enabled(hook.id, true, later).await.unwrap();
    assert_eq!(enabled.disabled_at, None);
    assert_eq!(enabled.consecutive_failures, 0);
    assert_eq!(
        enabled,
        Webhook {
            disabled_at: None,
            consecutive_failures: 0,
            ..hook.clone()
        }
    );
    let claimed = h
        .webhooks
        .claim_due(later, later + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(taken(&claimed), vec![(room, 1)]);
    assert_eq!(claimed[0].delivery.next_attempt_at, later);
}

#[tokio::test]
async fn enabling_leaves_a_delivery_being_sent_to_its_sender() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    h.webhooks
        .enqueue(&[delivery(&hook, room, 1, t0)])
        .await
        .unwrap();
    let lease = t0 + Duration::minutes(1);
    assert_eq!(h.webhooks.claim_due(t0, lease, 10).await.unwrap().len(), 1);
    h.webhooks.set_enabled(hook.id, true, t0).await.unwrap();
    // Another node gets nothing while the lease runs, and the delivery once it is over.
    assert!(
        h.webhooks
            .claim_due(t0, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let after = lease + Duration::seconds(1);
    assert_eq!(
        h.webhooks
            .claim_due(after, after + Duration::minutes(1), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_log_is_newest_first_with_attempts_newest_first() {
    let h = hooks().await;
    let (room, other) = (h.conversation("room").await, h.conversation("other").await);
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let elsewhere = h.webhook(None, t0).await;
    let first = delivery(&hook, room, 1, t0);
    let second = delivery(&hook, other, 1, t0 + Duration::seconds(1));
    let third = delivery(&hook, room, 2, t0 + Duration::seconds(1));
    h.webhooks
        .enqueue(&[
            first.clone(),
            second.clone(),
            third.clone(),
            delivery(&elsewhere, room, 1, t0),
        ])
        .await
        .unwrap();
    let long_error = "é".repeat(800);
    let attempts = [
        attempt(&first, t0 + Duration::seconds(2), Some(&long_error)),
        attempt(&first, t0 + Duration::seconds(4), None),
    ];
    h.webhooks
        .record_attempt(
            &first,
            &attempts[0],
            AttemptOutcome::RetryAt(t0 + Duration::seconds(3)),
            5,
        )
        .await
        .unwrap();
    h.webhooks
        .record_attempt(&first, &attempts[1], AttemptOutcome::Delivered, 5)
        .await
        .unwrap();

    let log = h.webhooks.deliveries(hook.id, 10).await.unwrap();
    let ids: Vec<WebhookDeliveryId> = log.iter().map(|r| r.delivery.id).collect();
    // Newest first; the two of the same second by seq, highest first.
    assert_eq!(ids, vec![third.id, second.id, first.id]);
    assert!(log[0].attempts.is_empty());
    assert!(log[1].attempts.is_empty());
    let stored = &log[2].attempts;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], attempts[1]);
    let mut cut = attempts[0].clone();
    cut.error = Some("é".repeat(500));
    assert_eq!(stored[1], cut);

    let newest = h.webhooks.deliveries(hook.id, 1).await.unwrap();
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0].delivery.id, third.id);
    assert!(
        h.webhooks
            .deliveries(elsewhere.id, 10)
            .await
            .unwrap()
            .iter()
            .all(|r| r.delivery.webhook_id == elsewhere.id)
    );
    assert!(matches!(
        h.webhooks.deliveries(WebhookId::generate(), 10).await,
        Err(RepositoryError::NotFound)
    ));
}

#[tokio::test]
async fn deleting_a_webhook_removes_its_deliveries_and_their_attempts() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let kept = h.webhook(None, t0).await;
    let item = delivery(&hook, room, 1, t0);
    h.webhooks
        .enqueue(&[
            item.clone(),
            delivery(&hook, room, 2, t0),
            delivery(&kept, room, 1, t0),
        ])
        .await
        .unwrap();
    h.webhooks
        .record_attempt(
            &item,
            &attempt(&item, t0, Some("nope")),
            AttemptOutcome::RetryAt(t0),
            5,
        )
        .await
        .unwrap();
    assert_eq!(h.count("webhook_attempts").await, 1);

    h.webhooks.delete(hook.id).await.unwrap();
    assert_eq!(h.count("webhook_deliveries").await, 1);
    assert_eq!(h.count("webhook_attempts").await, 0);
    assert!(matches!(
        h.webhooks.deliveries(hook.id, 10).await,
        Err(RepositoryError::NotFound)
    ));
    // An attempt that ends after its webhook was deleted is no error.
    let disabled = h
        .webhooks
        .record_attempt(
            &item,
            &attempt(&item, t0, Some("late")),
            AttemptOutcome::GiveUp,
            1,
        )
        .await
        .unwrap();
    assert!(!disabled);
    assert_eq!(h.count("webhook_attempts").await, 0);
}

#[tokio::test]
async fn finished_deliveries_older_than_the_cut_are_forgotten_with_their_attempts() {
    let h = hooks().await;
    let room = h.conversation("room").await;
    let t0 = now();
    let hook = h.webhook(None, t0).await;
    let (old_done, old_failed, recent, pending) = (
        delivery(&hook, room, 1, t0),
        delivery(&hook, room, 2, t0),
        delivery(&hook, room, 3, t0),
        delivery(&hook, room, 4, t0),
    );
    h.webhooks
        .enqueue(&[
            old_done.clone(),
            old_failed.clone(),
            recent.clone(),
            pending.clone(),
        ])
        .await
        .unwrap();
    let settled = [
        (&old_done, t0, None, AttemptOutcome::Delivered),
        (&old_failed, t0, Some("gone"), AttemptOutcome::GiveUp),
        (
            &recent,
            t0 + Duration::days(2),
            None,
            AttemptOutcome::Delivered,
        ),
        (
            &pending,
            t0,
            Some("busy"),
            AttemptOutcome::RetryAt(t0 + Duration::days(3)),
        ),
    ];
    for (item, at, error, outcome) in settled {
        h.webhooks
            .record_attempt(item, &attempt(item, at, error), outcome, 0)
            .await
            .unwrap();
    }
    assert_eq!(h.count("webhook_attempts").await, 4);

    let forgotten = h
        .webhooks
        .forget_finished(t0 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
    let left: Vec<i64> = h
        .webhooks
        .deliveries(hook.id, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.delivery.seq)
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&3) && left.contains(&4), "{left:?}");
    assert_eq!(h.count("webhook_attempts").await, 2);
}
