use crate::{ApplicationError, AuthFailure};
use palaver_domain::auth::Actor;
use palaver_domain::ports::BotRepository;
use palaver_domain::secret::SecretToken;
use std::sync::Arc;

/// Turns a bot token (`Authorization: Bot <token>`) into the bot behind it. Only a token
/// that is current works: one revoked by a re-issue, or of a deleted bot, is refused.
pub struct AuthenticateBot {
    bots: Arc<dyn BotRepository>,
}

impl AuthenticateBot {
    pub fn new(bots: Arc<dyn BotRepository>) -> Self {
        Self { bots }
    }

    /// `Unauthorized(InvalidToken)` for a token that is not current.
    pub async fn execute(&self, token: &str) -> Result<Actor, ApplicationError> {
        let hash = SecretToken::presented(token).hash();
        self.bots
            .find_actor(&hash)
            .await?
            .ok_or(ApplicationError::Unauthorized(AuthFailure::InvalidToken))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::auth::SessionId;
    use palaver_domain::ports::MockBotRepository;
    use palaver_domain::user::{Role, UserId, UserKind};

    #[tokio::test]
    async fn a_current_token_is_looked_up_by_its_hash_and_yields_the_bot() {
        let bot = Actor {
            user_id: UserId::generate(),
            session_id: SessionId::generate(),
            role: Role::User,
            kind: UserKind::Bot,
        };
        let mut bots = MockBotRepository::new();
        let expected = SecretToken::presented("t0ken").hash();
        bots.expect_find_actor()
            .withf(move |hash| *hash == expected)
            .returning(move |_| Ok(Some(bot)));
        let auth = AuthenticateBot::new(Arc::new(bots));
        assert_eq!(auth.execute("t0ken").await.unwrap(), bot);
    }

    #[tokio::test]
    async fn an_unknown_or_revoked_token_is_refused() {
        let mut bots = MockBotRepository::new();
        bots.expect_find_actor().returning(|_| Ok(None));
        let auth = AuthenticateBot::new(Arc::new(bots));
        assert!(matches!(
            auth.execute("old").await,
            Err(ApplicationError::Unauthorized(AuthFailure::InvalidToken))
        ));
    }
}
