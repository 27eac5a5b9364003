//! Pending notifications against a real database: a retry limited to some push
//! subscriptions, widened again when messages join. SQLite by default, PostgreSQL or MySQL
//! when PALAVER_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod common;

use chrono::Duration;
use common::{connect, insert_group, insert_users, now};
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{Channel, PendingNotification, PushSubscriptionId};
use palaver_domain::ports::{Enqueued, NotificationStore};
use palaver_domain::user::UserId;
use palaver_migrations::testing::TestDatabase;
use palaver_persistence::{SqlConversationRepository, SqlNotifications, SqlUserRepository};

struct Setup {
    store: SqlNotifications,
    user: UserId,
    conversation: ConversationId,
    _database: TestDatabase,
}

async fn setup() -> Setup {
    let database = TestDatabase::create().await;
    let db = connect(&database).await;
    let user = insert_users(&SqlUserRepository::new(&db), &["bob"]).await[0];
    let conversation = insert_group(&SqlConversationRepository::new(&db), user, "room").await;
    Setup {
        store: SqlNotifications::new(&db),
        user,
        conversation,
        _database: database,
    }
}

impl Setup {
    fn push_about(&self, seq: i64) -> Enqueued {
        Enqueued {
            notification: PendingNotification {
                id: uuid::Uuid::now_v7(),
                user_id: self.user,
                conversation_id: self.conversation,
                channel: Channel::Push,
                first_seq: seq,
                due_at: now(),
                attempts: 0,
                retry_only: None,
            },
            last_seq: seq,
            mentioned: false,
        }
    }

    /// Claims the one pending notification, due or not.
    async fn claim(&self) -> Enqueued {
        let later = now() + Duration::hours(2);
        let mut claimed = self
            .store
            .claim_due(later, later + Duration::minutes(2), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1, "{claimed:?}");
        claimed.remove(0)
    }
}

#[tokio::test]
async fn a_retry_limited_to_some_subscriptions_is_widened_when_messages_join() {
    let s = setup().await;
    let (phone, laptop) = (
        PushSubscriptionId::generate(),
        PushSubscriptionId::generate(),
    );
    s.store.enqueue(&[s.push_about(3)]).await.unwrap();
    let first = s.claim().await;
    assert_eq!(first.notification.retry_only, None);

    // The laptop asked to be tried again; the phone took it.
    s.store
        .retry_at(first.notification.id, 3, now(), Some(vec![laptop]))
        .await
        .unwrap();
    let retry = s.claim().await;
    assert_eq!(retry.notification.retry_only, Some(vec![laptop]));
    assert_eq!(retry.notification.attempts, 1);

    // Both again, in the order given.
    s.store
        .retry_at(retry.notification.id, 3, now(), Some(vec![phone, laptop]))
        .await
        .unwrap();
    assert_eq!(
        s.claim().await.notification.retry_only,
        Some(vec![phone, laptop])
    );

    // A new message joins: its push is for every device.
    s.store
        .retry_at(retry.notification.id, 3, now(), Some(vec![laptop]))
        .await
        .unwrap();
    s.store.enqueue(&[s.push_about(4)]).await.unwrap();
    let widened = s.claim().await;
    assert_eq!(widened.last_seq, 4);
    assert_eq!(widened.notification.retry_only, None);

    // A message that joined while the attempt about seq 4 was out widens it too.
    s.store.enqueue(&[s.push_about(5)]).await.unwrap();
    s.store
        .retry_at(widened.notification.id, 4, now(), Some(vec![laptop]))
        .await
        .unwrap();
    assert_eq!(s.claim().await.notification.retry_only, None);

    // Repeating a message already in it changes nothing.
    s.store
        .retry_at(widened.notification.id, 5, now(), Some(vec![phone]))
        .await
        .unwrap();
    s.store.enqueue(&[s.push_about(5)]).await.unwrap();
    assert_eq!(s.claim().await.notification.retry_only, Some(vec![phone]));
}
