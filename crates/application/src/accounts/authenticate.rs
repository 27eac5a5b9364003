use crate::{ApplicationError, AuthFailure};
use palaver_domain::auth::{AccessTokenError, Actor};
use palaver_domain::ports::{Clock, SessionRepository, TokenIssuer};
use std::sync::Arc;

/// Turns a bearer access token into the actor behind it. The token must be well signed and
/// unexpired, and its session must still be live: logging out or changing the password
/// stops the session's access tokens at once, not at their expiry.
pub struct Authenticate {
    tokens: Arc<dyn TokenIssuer>,
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
}

impl Authenticate {
    pub fn new(
        tokens: Arc<dyn TokenIssuer>,
        sessions: Arc<dyn SessionRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            tokens,
            sessions,
            clock,
        }
    }

    pub async fn execute(&self, bearer: &str) -> Result<Actor, ApplicationError> {
        let claims = self
            .tokens
            .verify(bearer, self.clock.now())
            .map_err(|error| match error {
                AccessTokenError::Expired => AuthFailure::ExpiredToken,
                AccessTokenError::Invalid | AccessTokenError::Signing(_) => {
                    AuthFailure::InvalidToken
                }
            })?;
        let actor = self
            .sessions
            .find_active_actor(claims.session_id)
            .await?
            .ok_or(AuthFailure::SessionRevoked)?;
        if actor.user_id != claims.user_id {
            return Err(AuthFailure::InvalidToken.into());
        }
        Ok(actor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::auth::{AccessClaims, SessionId};
    use palaver_domain::ports::{MockSessionRepository, MockTokenIssuer};
    use palaver_domain::user::Role;

    fn tokens_answering(answer: Result<AccessClaims, AccessTokenError>) -> Arc<MockTokenIssuer> {
        let mut tokens = MockTokenIssuer::new();
        tokens
            .expect_verify()
            .withf(|token, at| token == "bearer" && *at == now())
            .returning(move |_, _| answer.clone());
        Arc::new(tokens)
    }

    fn claims_of(actor: &Actor) -> AccessClaims {
        AccessClaims {
            user_id: actor.user_id,
            session_id: actor.session_id,
            issued_at: now(),
            expires_at: now(),
        }
    }

    fn sessions_answering(actor: Option<Actor>) -> Arc<MockSessionRepository> {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_find_active_actor()
            .returning(move |_| Ok(actor));
        Arc::new(sessions)
    }

    #[tokio::test]
    async fn a_valid_token_of_a_live_session_yields_the_actor_with_the_current_role() {
        let ada = user("ada");
        let actor = Actor {
            role: Role::Admin,
            ..actor_for(&ada)
        };
        let auth = Authenticate::new(
            tokens_answering(Ok(claims_of(&actor))),
            sessions_answering(Some(actor)),
            fixed_clock(),
        );
        assert_eq!(auth.execute("bearer").await.unwrap(), actor);
    }

    #[tokio::test]
    async fn expired_and_forged_tokens_are_told_apart() {
        for (error, expected) in [
            (AccessTokenError::Expired, AuthFailure::ExpiredToken),
            (AccessTokenError::Invalid, AuthFailure::InvalidToken),
        ] {
            let auth = Authenticate::new(
                tokens_answering(Err(error)),
                sessions_answering(None),
                fixed_clock(),
            );
            assert!(matches!(
                auth.execute("bearer").await,
                Err(ApplicationError::Unauthorized(failure)) if failure == expected
            ));
        }
    }

    #[tokio::test]
    async fn a_revoked_session_is_refused() {
        let actor = actor_for(&user("ada"));
        let auth = Authenticate::new(
            tokens_answering(Ok(claims_of(&actor))),
            sessions_answering(None),
            fixed_clock(),
        );
        assert!(matches!(
            auth.execute("bearer").await,
            Err(ApplicationError::Unauthorized(AuthFailure::SessionRevoked))
        ));
    }

    #[tokio::test]
    async fn a_token_naming_another_users_session_is_refused() {
        let actor = actor_for(&user("ada"));
        let mut claims = claims_of(&actor);
        claims.user_id = user("eve").id;
        claims.session_id = SessionId::generate();
        let auth = Authenticate::new(
            tokens_answering(Ok(claims)),
            sessions_answering(Some(actor)),
            fixed_clock(),
        );
        assert!(matches!(
            auth.execute("bearer").await,
            Err(ApplicationError::Unauthorized(AuthFailure::InvalidToken))
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let actor = actor_for(&user("ada"));
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_find_active_actor()
            .returning(|_| Err(palaver_domain::RepositoryError::unexpected("db down")));
        let auth = Authenticate::new(
            tokens_answering(Ok(claims_of(&actor))),
            Arc::new(sessions),
            fixed_clock(),
        );
        assert!(matches!(
            auth.execute("bearer").await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
