use crate::ApplicationError;
use chrono::Duration;
use palaver_domain::auth::{RefreshTokenRecord, Session, SessionId};
use palaver_domain::ports::{Clock, SecretGenerator, SessionRepository, TokenIssuer};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::User;
use std::sync::Arc;

/// What a successful register, login or refresh hands back to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSession {
    pub user: User,
    pub session_id: SessionId,
    pub access_token: String,
    pub refresh_token: SecretToken,
    pub expires_in_secs: u64,
}

/// Opens a session for a user who has just proved who they are, and signs its tokens.
/// Shared by the use-cases that log someone in.
#[derive(Clone)]
pub struct SessionStarter {
    sessions: Arc<dyn SessionRepository>,
    tokens: Arc<dyn TokenIssuer>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
    refresh_ttl: Duration,
}

impl SessionStarter {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        tokens: Arc<dyn TokenIssuer>,
        secrets: Arc<dyn SecretGenerator>,
        clock: Arc<dyn Clock>,
        refresh_ttl: Duration,
    ) -> Self {
        Self {
            sessions,
            tokens,
            secrets,
            clock,
            refresh_ttl,
        }
    }

    pub async fn start(&self, user: User) -> Result<AuthSession, ApplicationError> {
        let now = self.clock.now();
        let session = Session {
            id: SessionId::generate(),
            user_id: user.id,
            created_at: now,
            revoked_at: None,
        };
        let refresh_token = self.secrets.generate();
        let record = RefreshTokenRecord {
            token_hash: refresh_token.hash(),
            session_id: session.id,
            created_at: now,
            expires_at: now + self.refresh_ttl,
        };
        self.sessions.create(&session, &record).await?;
        self.signed(user, session.id, refresh_token)
    }

    pub(crate) fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    pub(crate) fn new_refresh_token(&self) -> SecretToken {
        self.secrets.generate()
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub(crate) fn sessions(&self) -> &Arc<dyn SessionRepository> {
        &self.sessions
    }

    /// Signs an access token for an existing session and packs the answer.
    pub(crate) fn signed(
        &self,
        user: User,
        session_id: SessionId,
        refresh_token: SecretToken,
    ) -> Result<AuthSession, ApplicationError> {
        let access = self
            .tokens
            .issue(user.id, session_id, self.clock.now())
            .map_err(ApplicationError::unexpected)?;
        Ok(AuthSession {
            user,
            session_id,
            access_token: access.token,
            refresh_token,
            expires_in_secs: access.expires_in_secs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::auth::AccessTokenError;
    use palaver_domain::ports::{MockSecretGenerator, MockSessionRepository, MockTokenIssuer};

    #[tokio::test]
    async fn a_session_that_cannot_be_stored_is_unexpected_and_signs_nothing() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_create()
            .returning(|_, _| Err(RepositoryError::unexpected("db down")));
        let starter = starter_with(sessions, 0, 1);
        assert!(matches!(
            starter.start(user("ada")).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }

    #[tokio::test]
    async fn a_signing_failure_is_unexpected() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_create().returning(|_, _| Ok(()));
        let mut tokens = MockTokenIssuer::new();
        tokens
            .expect_issue()
            .returning(|_, _, _| Err(AccessTokenError::Signing("no key".into())));
        let mut secrets = MockSecretGenerator::new();
        secrets.expect_generate().returning(refresh_secret);
        let starter = SessionStarter::new(
            Arc::new(sessions),
            Arc::new(tokens),
            Arc::new(secrets),
            fixed_clock(),
            Duration::days(REFRESH_TTL_DAYS),
        );
        assert!(matches!(
            starter.start(user("ada")).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
