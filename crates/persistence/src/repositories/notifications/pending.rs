use super::preferences::{preferences_from, settings_from};
use super::{SqlNotifications, get};
use crate::error::corrupt;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{
    Channel, PendingNotification, PushSubscriptionId, RecipientFacts,
};
use palaver_domain::ports::{Enqueued, NotificationStore};
use palaver_domain::user::UserId;
use sea_orm::{DatabaseBackend, QueryResult};

/// Rows per enqueuing statement (8 placeholders each).
const ENQUEUE_CHUNK: usize = 100;

const PENDING_COLUMNS: &str =
    "id, user_id, conversation_id, channel, first_seq, last_seq, mentioned, due_at, attempts";
/// What a pending notification is read as.
const SELECTED_COLUMNS: &str = "id, user_id, conversation_id, channel, first_seq, last_seq, \
     mentioned, due_at, attempts, retry_subscription_ids";

/// The subscriptions a retry is limited to, as stored: comma-separated ids.
fn retry_only_from(
    raw: Option<String>,
) -> Result<Option<Vec<PushSubscriptionId>>, RepositoryError> {
    raw.map(|ids| {
        ids.split(',')
            .filter(|id| !id.is_empty())
            .map(|id| {
                uuid::Uuid::parse_str(id)
                    .map(PushSubscriptionId::from_uuid)
                    .map_err(|_| corrupt("pending_notifications", "retry_subscription_ids"))
            })
            .collect()
    })
    .transpose()
}

fn pending_from(row: &QueryResult) -> Result<Enqueued, RepositoryError> {
    let channel: String = get(row, "channel")?;
    Ok(Enqueued {
        notification: PendingNotification {
            id: get(row, "id")?,
            user_id: UserId::from_uuid(get(row, "user_id")?),
            conversation_id: ConversationId::from_uuid(get(row, "conversation_id")?),
            channel: Channel::parse(&channel)
                .ok_or_else(|| corrupt("pending_notifications", "channel"))?,
            first_seq: get(row, "first_seq")?,
            due_at: get(row, "due_at")?,
            attempts: u32::try_from(get::<i32>(row, "attempts")?).unwrap_or(0),
            retry_only: retry_only_from(get(row, "retry_subscription_ids")?)?,
        },
        last_seq: get(row, "last_seq")?,
        mentioned: get(row, "mentioned")?,
    })
}

#[async_trait]
impl NotificationStore for SqlNotifications {
    async fn recipients(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<RecipientFacts>, RepositoryError> {
        let rows = self
            .query(
                "SELECT m.user_id AS user_id, u.username AS username, u.email AS email, \
                   m.last_read_seq AS last_read_seq, \
                   m.last_delivered_seq AS last_delivered_seq, s.level AS level, \
                   s.muted_until AS muted_until, p.email_notifications AS email_notifications, \
                   p.email_delay_secs AS email_delay_secs, p.locale AS locale, \
                   p.time_zone AS time_zone \
                 FROM conversation_members m \
                 JOIN users u ON u.id = m.user_id \
                 LEFT JOIN conversation_notification_settings s \
                   ON s.conversation_id = m.conversation_id AND s.user_id = m.user_id \
                 LEFT JOIN user_preferences p ON p.user_id = m.user_id \
                 WHERE m.conversation_id = ?",
                vec![conversation.as_uuid().into()],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RecipientFacts {
                    user_id: UserId::from_uuid(get(row, "user_id")?),
                    username: get(row, "username")?,
                    email: get(row, "email")?,
                    last_read_seq: get(row, "last_read_seq")?,
                    last_delivered_seq: get(row, "last_delivered_seq")?,
                    settings: settings_from(row)?,
                    preferences: preferences_from(row)?,
                })
            })
            .collect()
    }

    async fn enqueue(&self, notifications: &[Enqueued]) -> Result<(), RepositoryError> {
        // One statement per chunk of rows, whatever the number of members.
        for chunk in notifications.chunks(ENQUEUE_CHUNK) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, 0)"; chunk.len()].join(", ");
            let sql = match self.backend() {
                DatabaseBackend::MySql => format!(
                    "INSERT INTO pending_notifications ({PENDING_COLUMNS}) VALUES {rows} \
                     ON DUPLICATE KEY UPDATE \
                     retry_subscription_ids = \
                       IF(VALUES(last_seq) > last_seq, NULL, retry_subscription_ids), \
                     last_seq = GREATEST(last_seq, VALUES(last_seq)), \
                     mentioned = (mentioned OR VALUES(mentioned))"
                ),
                DatabaseBackend::Postgres => format!(
                    "INSERT INTO pending_notifications AS p ({PENDING_COLUMNS}) VALUES {rows} \
                     ON CONFLICT (user_id, conversation_id, channel) DO UPDATE SET \
                     retry_subscription_ids = CASE WHEN excluded.last_seq > p.last_seq \
                       THEN NULL ELSE p.retry_subscription_ids END, \
                     last_seq = GREATEST(p.last_seq, excluded.last_seq), \
                     mentioned = (p.mentioned OR excluded.mentioned)"
                ),
                _ => format!(
                    "INSERT INTO pending_notifications ({PENDING_COLUMNS}) VALUES {rows} \
                     ON CONFLICT (user_id, conversation_id, channel) DO UPDATE SET \
                     retry_subscription_ids = CASE WHEN excluded.last_seq > last_seq \
                       THEN NULL ELSE retry_subscription_ids END, \
                     last_seq = MAX(last_seq, excluded.last_seq), \
                     mentioned = (mentioned OR excluded.mentioned)"
                ),
            };
            let mut values = Vec::with_capacity(chunk.len() * 8);
            for item in chunk {
                let n = &item.notification;
                values.extend([
                    n.id.into(),
                    n.user_id.as_uuid().into(),
                    n.conversation_id.as_uuid().into(),
                    n.channel.as_str().into(),
                    n.first_seq.into(),
                    item.last_seq.into(),
                    item.mentioned.into(),
                    n.due_at.into(),
                ]);
            }
            self.execute(&sql, values).await?;
        }
        Ok(())
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Enqueued>, RepositoryError> {
        let due = self
            .query(
                &format!(
                    "SELECT {SELECTED_COLUMNS} FROM pending_notifications \
                     WHERE due_at <= ? ORDER BY due_at LIMIT {limit}"
                ),
                vec![now.into()],
            )
            .await?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in &due {
            let mut item = pending_from(row)?;
            // Still due means nobody took it since the read: the update is the claim.
            let taken = self
                .execute(
                    "UPDATE pending_notifications SET due_at = ? WHERE id = ? AND due_at <= ?",
                    vec![lease_until.into(), item.notification.id.into(), now.into()],
                )
                .await?;
            if taken == 1 {
                // Messages may have joined between the read and the claim.
                let fresh = self
                    .query(
                        &format!(
                            "SELECT {SELECTED_COLUMNS} FROM pending_notifications WHERE id = ?"
                        ),
                        vec![item.notification.id.into()],
                    )
                    .await?;
                if let Some(row) = fresh.first() {
                    item = pending_from(row)?;
                }
                claimed.push(item);
            }
        }
        Ok(claimed)
    }

    async fn finish(
        &self,
        id: uuid::Uuid,
        through_seq: i64,
        next_due: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        let deleted = self
            .execute(
                "DELETE FROM pending_notifications WHERE id = ? AND last_seq <= ?",
                vec![id.into(), through_seq.into()],
            )
            .await?;
        if deleted == 0 {
            self.execute(
                "UPDATE pending_notifications SET first_seq = ?, due_at = ?, attempts = 0, \
                 mentioned = ?, retry_subscription_ids = NULL WHERE id = ?",
                vec![
                    (through_seq + 1).into(),
                    next_due.into(),
                    false.into(),
                    id.into(),
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn retry_at(
        &self,
        id: uuid::Uuid,
        through_seq: i64,
        due_at: DateTime<Utc>,
        only: Option<Vec<PushSubscriptionId>>,
    ) -> Result<(), RepositoryError> {
        let only = only.map(|ids| {
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        });
        // Messages that joined since the attempt go to every subscription.
        self.execute(
            "UPDATE pending_notifications SET due_at = ?, attempts = attempts + 1, \
             retry_subscription_ids = CASE WHEN last_seq > ? THEN NULL ELSE ? END \
             WHERE id = ?",
            vec![due_at.into(), through_seq.into(), only.into(), id.into()],
        )
        .await?;
        Ok(())
    }
}
