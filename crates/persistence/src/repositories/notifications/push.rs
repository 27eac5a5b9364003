use super::{SqlNotifications, get};
use crate::error::corrupt;
use async_trait::async_trait;
use palaver_domain::RepositoryError;
use palaver_domain::notification::{PushKeys, PushSubscription, PushSubscriptionId};
use palaver_domain::ports::PushSubscriptionRepository;
use palaver_domain::user::UserId;

#[async_trait]
impl PushSubscriptionRepository for SqlNotifications {
    async fn add(&self, subscription: &PushSubscription) -> Result<(), RepositoryError> {
        self.execute(
            "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                subscription.id.as_uuid().into(),
                subscription.user_id.as_uuid().into(),
                subscription.endpoint.clone().into(),
                subscription.keys.p256dh_base64().into(),
                subscription.keys.auth_base64().into(),
                subscription.created_at.into(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_own(
        &self,
        id: PushSubscriptionId,
        user: UserId,
    ) -> Result<(), RepositoryError> {
        let deleted = self
            .execute(
                "DELETE FROM push_subscriptions WHERE id = ? AND user_id = ?",
                vec![id.as_uuid().into(), user.as_uuid().into()],
            )
            .await?;
        if deleted == 0 {
            return Err(RepositoryError::NotFound);
        }
        Ok(())
    }

    async fn remove(&self, id: PushSubscriptionId) -> Result<(), RepositoryError> {
        self.execute(
            "DELETE FROM push_subscriptions WHERE id = ?",
            vec![id.as_uuid().into()],
        )
        .await?;
        Ok(())
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<PushSubscription>, RepositoryError> {
        let rows = self
            .query(
                "SELECT id, user_id, endpoint, p256dh, auth, created_at \
                 FROM push_subscriptions WHERE user_id = ? ORDER BY created_at",
                vec![user.as_uuid().into()],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let keys =
                    PushKeys::parse(&get::<String>(row, "p256dh")?, &get::<String>(row, "auth")?)
                        .map_err(|e| corrupt("push_subscriptions", e))?;
                Ok(PushSubscription {
                    id: PushSubscriptionId::from_uuid(get(row, "id")?),
                    user_id: UserId::from_uuid(get(row, "user_id")?),
                    endpoint: get(row, "endpoint")?,
                    keys,
                    created_at: get(row, "created_at")?,
                })
            })
            .collect()
    }
}
