use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::notification::PushSubscriptionId;
use palaver_domain::ports::PushSubscriptionRepository;
use std::sync::Arc;

/// Deletes one of the caller's Web Push subscriptions.
pub struct DeletePushSubscription {
    subscriptions: Arc<dyn PushSubscriptionRepository>,
}

impl DeletePushSubscription {
    pub fn new(subscriptions: Arc<dyn PushSubscriptionRepository>) -> Self {
        Self { subscriptions }
    }

    /// `NotFound` when the caller has no subscription by that id (someone else's too).
    pub async fn execute(
        &self,
        actor: &Actor,
        id: PushSubscriptionId,
    ) -> Result<(), ApplicationError> {
        self.subscriptions
            .delete_own(id, actor.user_id)
            .await
            .map_err(not_found_as("push subscription"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockPushSubscriptionRepository;

    #[tokio::test]
    async fn someone_elses_or_a_missing_one_is_not_found() {
        let ann = user("ann");
        let mut store = MockPushSubscriptionRepository::new();
        store
            .expect_delete_own()
            .returning(|_, _| Err(RepositoryError::NotFound));
        let delete = DeletePushSubscription::new(Arc::new(store));
        let error = delete
            .execute(&actor_for(&ann), PushSubscriptionId::generate())
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ApplicationError::NotFound("push subscription")
        ));
    }
}
