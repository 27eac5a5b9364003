use crate::ApplicationError;
use palaver_domain::ValidationError;
use palaver_domain::auth::Actor;
use palaver_domain::notification::{PushKeys, PushSubscription, PushSubscriptionId};
use palaver_domain::ports::{Clock, PushSubscriptionRepository, PushTargetPolicy};
use std::sync::Arc;

/// What the browser's `pushManager.subscribe` gave.
#[derive(Debug, Clone)]
pub struct PushSubscriptionRequest {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// Stores a Web Push subscription of the caller's device.
pub struct SubscribePush {
    subscriptions: Arc<dyn PushSubscriptionRepository>,
    targets: Arc<dyn PushTargetPolicy>,
    clock: Arc<dyn Clock>,
}

impl SubscribePush {
    pub fn new(
        subscriptions: Arc<dyn PushSubscriptionRepository>,
        targets: Arc<dyn PushTargetPolicy>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            subscriptions,
            targets,
            clock,
        }
    }

    /// `Validation` naming `keys.p256dh`, `keys.auth` or `endpoint` (not https, or
    /// resolving to a private address where that is not allowed); nothing is stored then.
    pub async fn execute(
        &self,
        actor: &Actor,
        request: PushSubscriptionRequest,
    ) -> Result<PushSubscription, ApplicationError> {
        let keys = PushKeys::parse(&request.p256dh, &request.auth)?;
        self.targets
            .check(&request.endpoint)
            .await
            .map_err(|why| ValidationError::new("endpoint", why))?;
        let subscription = PushSubscription {
            id: PushSubscriptionId::generate(),
            user_id: actor.user_id,
            endpoint: request.endpoint,
            keys,
            created_at: self.clock.now(),
        };
        self.subscriptions.add(&subscription).await?;
        Ok(subscription)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockPushSubscriptionRepository, MockPushTargetPolicy};

    const P256DH: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    fn request(endpoint: &str, p256dh: &str, auth: &str) -> PushSubscriptionRequest {
        PushSubscriptionRequest {
            endpoint: endpoint.into(),
            p256dh: p256dh.into(),
            auth: auth.into(),
        }
    }

    fn targets(ok: bool) -> Arc<MockPushTargetPolicy> {
        let mut targets = MockPushTargetPolicy::new();
        targets.expect_check().returning(move |_| {
            if ok {
                Ok(())
            } else {
                Err("must be an https:// URL".into())
            }
        });
        Arc::new(targets)
    }

    #[tokio::test]
    async fn a_good_subscription_is_stored_as_the_callers() {
        let ann = user("ann");
        let mut store = MockPushSubscriptionRepository::new();
        let id = ann.id;
        store
            .expect_add()
            .withf(move |s| s.user_id == id && s.keys.auth.len() == 16)
            .times(1)
            .returning(|_| Ok(()));
        let subscribe = SubscribePush::new(Arc::new(store), targets(true), fixed_clock());
        let stored = subscribe
            .execute(
                &actor_for(&ann),
                request("https://push.example.org/1", P256DH, AUTH),
            )
            .await
            .unwrap();
        assert_eq!(stored.endpoint, "https://push.example.org/1");
    }

    #[tokio::test]
    async fn bad_keys_or_endpoints_store_nothing() {
        let ann = user("ann");
        for (endpoint_ok, p256dh, auth, field) in [
            (true, "short", AUTH, "keys.p256dh"),
            (true, P256DH, "c2hvcnQ", "keys.auth"),
            (false, P256DH, AUTH, "endpoint"),
        ] {
            let mut store = MockPushSubscriptionRepository::new();
            store.expect_add().never();
            let subscribe =
                SubscribePush::new(Arc::new(store), targets(endpoint_ok), fixed_clock());
            let error = subscribe
                .execute(&actor_for(&ann), request("http://x", p256dh, auth))
                .await
                .unwrap_err();
            assert!(
                matches!(error, ApplicationError::Validation(ref v) if v.field == field),
                "{field}: {error:?}"
            );
        }
    }
}
