use crate::ApplicationError;
use palaver_domain::ports::{Clock, PasswordResetRepository, SessionRepository};
use std::sync::Arc;

/// Deletes what can never be used again: expired refresh tokens, the sessions they leave
/// without a token, and spent or expired reset tokens. The server runs it periodically so
/// the token tables stay the size of the live sessions.
pub struct PurgeExpiredCredentials {
    sessions: Arc<dyn SessionRepository>,
    resets: Arc<dyn PasswordResetRepository>,
    clock: Arc<dyn Clock>,
}

/// What one purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub reset_tokens: u64,
}

impl PurgeExpiredCredentials {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        resets: Arc<dyn PasswordResetRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            sessions,
            resets,
            clock,
        }
    }

    pub async fn execute(&self) -> Result<Purged, ApplicationError> {
        let now = self.clock.now();
        Ok(Purged {
            sessions: self.sessions.purge_expired(now).await?,
            reset_tokens: self.resets.purge_expired(now).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{MockPasswordResetRepository, MockSessionRepository};

    fn sessions(answer: fn() -> Result<u64, RepositoryError>) -> Arc<MockSessionRepository> {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_purge_expired()
            .withf(|at| *at == now())
            .returning(move |_| answer());
        Arc::new(sessions)
    }

    fn resets(times: usize) -> Arc<MockPasswordResetRepository> {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_purge_expired()
            .withf(|at| *at == now())
            .times(times)
            .returning(|_| Ok(3));
        Arc::new(resets)
    }

    #[tokio::test]
    async fn purges_both_stores_as_of_now() {
        let purge = PurgeExpiredCredentials::new(sessions(|| Ok(2)), resets(1), fixed_clock());
        assert_eq!(
            purge.execute().await.unwrap(),
            Purged {
                sessions: 2,
                reset_tokens: 3
            }
        );
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let purge = PurgeExpiredCredentials::new(
            sessions(|| Err(RepositoryError::unexpected("db down"))),
            resets(0),
            fixed_clock(),
        );
        assert!(matches!(
            purge.execute().await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
