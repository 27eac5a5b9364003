use super::{SqlNotifications, get};
use async_trait::async_trait;
use chrono::Utc;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ConversationId;
use palaver_domain::ports::EventCursors;

#[async_trait]
impl EventCursors for SqlNotifications {
    async fn register(&self, consumer: &str) -> Result<(), RepositoryError> {
        let insert = self.insert_ignoring("event_consumers (name, registered_at)", "?, ?");
        let new = self
            .execute(&insert, vec![consumer.into(), Utc::now().into()])
            .await?;
        if new == 0 {
            return Ok(());
        }
        // Only the node that registered it seeds it; a conversation that gains a cursor
        // meanwhile keeps the one it has.
        let seed = match self.backend() {
            sea_orm::DatabaseBackend::MySql => {
                "INSERT IGNORE INTO event_cursors (consumer, conversation_id, seq) \
                 SELECT ?, id, last_seq FROM conversations"
            }
            _ => {
                "INSERT INTO event_cursors (consumer, conversation_id, seq) \
                 SELECT ?, id, last_seq FROM conversations WHERE true ON CONFLICT DO NOTHING"
            }
        };
        self.execute(seed, vec![consumer.into()]).await?;
        Ok(())
    }

    async fn behind(
        &self,
        consumer: &str,
        limit: u64,
    ) -> Result<Vec<ConversationId>, RepositoryError> {
        let rows = self
            .query(
                &format!(
                    "SELECT c.id AS id FROM conversations c \
                     LEFT JOIN event_cursors e ON e.conversation_id = c.id AND e.consumer = ? \
                     WHERE c.last_seq > COALESCE(e.seq, 0) ORDER BY c.id LIMIT {limit}"
                ),
                vec![consumer.into()],
            )
            .await?;
        rows.iter()
            .map(|row| get::<uuid::Uuid>(row, "id").map(ConversationId::from_uuid))
            .collect()
    }

    async fn position(
        &self,
        consumer: &str,
        conversation: ConversationId,
    ) -> Result<i64, RepositoryError> {
        let rows = self
            .query(
                "SELECT seq FROM event_cursors WHERE consumer = ? AND conversation_id = ?",
                vec![consumer.into(), conversation.as_uuid().into()],
            )
            .await?;
        rows.first().map_or(Ok(0), |row| get::<i64>(row, "seq"))
    }

    async fn advance(
        &self,
        consumer: &str,
        conversation: ConversationId,
        from: i64,
        to: i64,
    ) -> Result<bool, RepositoryError> {
        if from == 0 {
            let insert =
                self.insert_ignoring("event_cursors (consumer, conversation_id, seq)", "?, ?, 0");
            self.execute(
                &insert,
                vec![consumer.into(), conversation.as_uuid().into()],
            )
            .await?;
        }
        let moved = self
            .execute(
                "UPDATE event_cursors SET seq = ? \
                 WHERE consumer = ? AND conversation_id = ? AND seq = ?",
                vec![
                    to.into(),
                    consumer.into(),
                    conversation.as_uuid().into(),
                    from.into(),
                ],
            )
            .await?;
        Ok(moved == 1)
    }
}
