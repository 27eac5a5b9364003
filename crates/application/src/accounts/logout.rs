use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::ports::{Clock, SessionRepository};
use std::sync::Arc;

/// Ends the caller's session: its refresh token and access tokens stop working.
pub struct Logout {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
}

impl Logout {
    pub fn new(sessions: Arc<dyn SessionRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { sessions, clock }
    }

    /// Logging out twice is not an error: the session ends up revoked either way.
    pub async fn execute(&self, actor: &Actor) -> Result<(), ApplicationError> {
        self.sessions
            .revoke(actor.session_id, self.clock.now())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::MockSessionRepository;

    #[tokio::test]
    async fn revokes_the_callers_session_only() {
        let actor = actor_for(&user("ada"));
        let mut sessions = MockSessionRepository::new();
        let session_id = actor.session_id;
        sessions
            .expect_revoke()
            .withf(move |id, at| *id == session_id && *at == now())
            .times(1)
            .returning(|_, _| Ok(true));
        let logout = Logout::new(Arc::new(sessions), fixed_clock());
        logout.execute(&actor).await.unwrap();
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke()
            .returning(|_, _| Err(RepositoryError::unexpected("db down")));
        let logout = Logout::new(Arc::new(sessions), fixed_clock());
        assert!(matches!(
            logout.execute(&actor_for(&user("ada"))).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
