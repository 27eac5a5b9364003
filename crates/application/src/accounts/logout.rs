use super::announce_revoked;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, Notifier, SessionRepository};
use std::sync::Arc;

/// Ends the caller's session: its refresh token and access tokens stop working, and its
/// open connections are told to close.
pub struct Logout {
    sessions: Arc<dyn SessionRepository>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl Logout {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            sessions,
            notifier,
            clock,
        }
    }

    /// Logging out twice is not an error: the session ends up revoked either way. Only the
    /// call that revoked it announces it.
    pub async fn execute(&self, actor: &Actor) -> Result<(), ApplicationError> {
        let revoked = self
            .sessions
            .revoke(actor.session_id, self.clock.now())
            .await?;
        if revoked {
            announce_revoked(
                self.notifier.as_ref(),
                actor.user_id,
                vec![actor.session_id],
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::conversation::Notification;
    use palaver_domain::ports::MockSessionRepository;

    #[tokio::test]
    async fn revokes_the_callers_session_only_and_announces_it() {
        let actor = actor_for(&user("ada"));
        let mut sessions = MockSessionRepository::new();
        let session_id = actor.session_id;
        sessions
            .expect_revoke()
            .withf(move |id, at| *id == session_id && *at == now())
            .times(1)
            .returning(|_, _| Ok(true));
        let notifier = notifier_hearing(Notification::SessionsRevoked {
            user_id: actor.user_id,
            session_ids: vec![actor.session_id],
        });
        let logout = Logout::new(Arc::new(sessions), notifier, fixed_clock());
        logout.execute(&actor).await.unwrap();
    }

    #[tokio::test]
    async fn a_session_already_revoked_is_fine_and_not_announced_again() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_revoke().returning(|_, _| Ok(false));
        let logout = Logout::new(Arc::new(sessions), silent_notifier(), fixed_clock());
        logout.execute(&actor_for(&user("ada"))).await.unwrap();
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected_and_silent() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke()
            .returning(|_, _| Err(RepositoryError::unexpected("db down")));
        let logout = Logout::new(Arc::new(sessions), silent_notifier(), fixed_clock());
        assert!(matches!(
            logout.execute(&actor_for(&user("ada"))).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
