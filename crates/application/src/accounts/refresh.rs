use super::{AuthSession, SessionStarter, announce_revoked};
use crate::{ApplicationError, AuthFailure};
use palaver_domain::auth::RotationOutcome;
use palaver_domain::ports::{Notifier, UserRepository};
use palaver_domain::secret::SecretToken;
use std::sync::Arc;

/// Trades a refresh token for a new access token and a new refresh token. The presented
/// token is spent; presenting it again revokes the whole session (and its open connections
/// are told to close).
pub struct Refresh {
    users: Arc<dyn UserRepository>,
    sessions: SessionStarter,
    notifier: Arc<dyn Notifier>,
}

impl Refresh {
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: SessionStarter,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            users,
            sessions,
            notifier,
        }
    }

    pub async fn execute(&self, presented: SecretToken) -> Result<AuthSession, ApplicationError> {
        let now = self.sessions.now();
        let replacement = self.sessions.new_refresh_token();
        let outcome = self
            .sessions
            .sessions()
            .rotate(
                &presented.hash(),
                &replacement.hash(),
                now + self.sessions.refresh_ttl(),
                now,
            )
            .await?;
        let session = match outcome {
            RotationOutcome::Rotated { session } => session,
            RotationOutcome::ReuseDetected {
                session_id,
                user_id,
            } => {
                tracing::warn!(%session_id, %user_id, "refresh token reused; session revoked");
                announce_revoked(self.notifier.as_ref(), user_id, vec![session_id]);
                return Err(AuthFailure::RefreshTokenReused.into());
            }
            RotationOutcome::Expired
            | RotationOutcome::SessionRevoked
            | RotationOutcome::Unknown => {
                return Err(AuthFailure::InvalidRefreshToken.into());
            }
        };
        let user = self
            .users
            .find_by_id(session.user_id)
            .await?
            .ok_or(AuthFailure::InvalidRefreshToken)?;
        self.sessions.signed(user, session.id, replacement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use chrono::Duration;
    use palaver_domain::auth::{Session, SessionId};
    use palaver_domain::conversation::Notification;
    use palaver_domain::ports::{MockSessionRepository, MockUserRepository};

    fn presented() -> SecretToken {
        SecretToken::presented("old-refresh-secret")
    }

    fn sessions_answering(outcome: RotationOutcome) -> MockSessionRepository {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_rotate()
            .withf(|old, new, expires_at, at| {
                *old == presented().hash()
                    && *new == refresh_secret().hash()
                    && *expires_at == now() + Duration::days(REFRESH_TTL_DAYS)
                    && *at == now()
            })
            .times(1)
            .returning(move |_, _, _, _| Ok(outcome.clone()));
        sessions
    }

    #[tokio::test]
    async fn a_current_token_is_rotated_for_a_new_pair() {
        let ada = user("ada");
        let session = Session {
            id: SessionId::generate(),
            user_id: ada.id,
            created_at: now(),
            revoked_at: None,
        };
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_id()
            .returning(move |_| Ok(Some(found.clone())));
        let refresh = Refresh::new(
            Arc::new(users),
            starter_with(
                sessions_answering(RotationOutcome::Rotated {
                    session: session.clone(),
                }),
                1,
                1,
            ),
            silent_notifier(),
        );
        let answer = refresh.execute(presented()).await.unwrap();
        assert_eq!(answer.session_id, session.id);
        assert_eq!(answer.refresh_token, refresh_secret());
        assert_eq!(answer.user.id, ada.id);
    }

    #[tokio::test]
    async fn a_reused_token_is_refused_as_reuse_and_its_session_announced() {
        let (session_id, user_id) = (SessionId::generate(), user("ada").id);
        let refresh = Refresh::new(
            Arc::new(MockUserRepository::new()),
            starter_with(
                sessions_answering(RotationOutcome::ReuseDetected {
                    session_id,
                    user_id,
                }),
                0,
                1,
            ),
            notifier_hearing(Notification::SessionsRevoked {
                user_id,
                session_ids: vec![session_id],
            }),
        );
        assert!(matches!(
            refresh.execute(presented()).await,
            Err(ApplicationError::Unauthorized(
                AuthFailure::RefreshTokenReused
            ))
        ));
    }

    #[tokio::test]
    async fn unknown_expired_and_revoked_tokens_are_refused() {
        for outcome in [
            RotationOutcome::Unknown,
            RotationOutcome::Expired,
            RotationOutcome::SessionRevoked,
        ] {
            let refresh = Refresh::new(
                Arc::new(MockUserRepository::new()),
                starter_with(sessions_answering(outcome), 0, 1),
                silent_notifier(),
            );
            assert!(matches!(
                refresh.execute(presented()).await,
                Err(ApplicationError::Unauthorized(
                    AuthFailure::InvalidRefreshToken
                ))
            ));
        }
    }

    #[tokio::test]
    async fn a_session_whose_user_is_gone_is_refused() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Ok(None));
        let session = Session {
            id: SessionId::generate(),
            user_id: user("ghost").id,
            created_at: now(),
            revoked_at: None,
        };
        let refresh = Refresh::new(
            Arc::new(users),
            starter_with(
                sessions_answering(RotationOutcome::Rotated { session }),
                0,
                1,
            ),
            silent_notifier(),
        );
        assert!(matches!(
            refresh.execute(presented()).await,
            Err(ApplicationError::Unauthorized(
                AuthFailure::InvalidRefreshToken
            ))
        ));
    }

    #[tokio::test]
    async fn store_failures_are_unexpected() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_rotate()
            .returning(|_, _, _, _| Err(palaver_domain::RepositoryError::unexpected("db down")));
        let refresh = Refresh::new(
            Arc::new(MockUserRepository::new()),
            starter_with(sessions, 0, 1),
            silent_notifier(),
        );
        assert!(matches!(
            refresh.execute(presented()).await,
            Err(ApplicationError::Unexpected(_))
        ));

        let session = Session {
            id: SessionId::generate(),
            user_id: user("ada").id,
            created_at: now(),
            revoked_at: None,
        };
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_id()
            .returning(|_| Err(palaver_domain::RepositoryError::unexpected("db down")));
        let refresh = Refresh::new(
            Arc::new(users),
            starter_with(
                sessions_answering(RotationOutcome::Rotated { session }),
                0,
                1,
            ),
            silent_notifier(),
        );
        assert!(matches!(
            refresh.execute(presented()).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
