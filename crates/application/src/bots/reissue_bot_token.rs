use super::new_token;
use crate::ApplicationError;
use crate::error::not_found_as;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::ports::{BotRepository, Clock, Notifier, SecretGenerator};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::UserId;
use std::sync::Arc;

/// A global admin issues a bot a new token; the old one stops working at once, and the
/// connections opened with it are closed.
pub struct ReissueBotToken {
    bots: Arc<dyn BotRepository>,
    secrets: Arc<dyn SecretGenerator>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl ReissueBotToken {
    pub fn new(
        bots: Arc<dyn BotRepository>,
        secrets: Arc<dyn SecretGenerator>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            bots,
            secrets,
            notifier,
            clock,
        }
    }

    /// The new token. `Forbidden` unless the actor is a global admin; `NotFound("bot")`
    /// when `bot` is not a bot.
    pub async fn execute(
        &self,
        actor: &Actor,
        bot: UserId,
    ) -> Result<SecretToken, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        let (token, record) = new_token(self.secrets.as_ref(), bot, self.clock.now());
        let revoked = self
            .bots
            .replace_token(&record)
            .await
            .map_err(not_found_as("bot"))?;
        crate::accounts::announce_revoked(self.notifier.as_ref(), bot, revoked);
        tracing::info!(admin = %actor.user_id, bot_id = %bot, "bot token re-issued");
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::auth::SessionId;
    use palaver_domain::conversation::Notification;
    use palaver_domain::ports::{MockBotRepository, MockSecretGenerator};

    fn secrets() -> Arc<MockSecretGenerator> {
        let mut secrets = MockSecretGenerator::new();
        secrets
            .expect_generate()
            .returning(|| SecretToken::presented("new-secret"));
        Arc::new(secrets)
    }

    #[tokio::test]
    async fn the_old_token_is_revoked_and_its_connections_told_to_close() {
        let bot = UserId::generate();
        let old = SessionId::generate();
        let mut bots = MockBotRepository::new();
        bots.expect_replace_token()
            .withf(move |record| {
                record.bot_id == bot
                    && record.token_hash == SecretToken::presented("new-secret").hash()
            })
            .times(1)
            .returning(move |_| Ok(vec![old]));
        let reissue = ReissueBotToken::new(
            Arc::new(bots),
            secrets(),
            notifier_hearing(Notification::SessionsRevoked {
                user_id: bot,
                session_ids: vec![old],
            }),
            fixed_clock(),
        );
        let token = reissue
            .execute(&actor_for(&admin("root")), bot)
            .await
            .unwrap();
        assert_eq!(token.expose(), "new-secret");
    }

    #[tokio::test]
    async fn a_user_who_is_no_bot_is_not_found() {
        let mut bots = MockBotRepository::new();
        bots.expect_replace_token()
            .returning(|_| Err(RepositoryError::NotFound));
        let reissue =
            ReissueBotToken::new(Arc::new(bots), secrets(), silent_notifier(), fixed_clock());
        assert!(matches!(
            reissue
                .execute(&actor_for(&admin("root")), UserId::generate())
                .await,
            Err(ApplicationError::NotFound("bot"))
        ));
    }

    #[tokio::test]
    async fn a_plain_user_is_forbidden() {
        let mut bots = MockBotRepository::new();
        bots.expect_replace_token().never();
        let reissue =
            ReissueBotToken::new(Arc::new(bots), secrets(), silent_notifier(), fixed_clock());
        assert!(matches!(
            reissue
                .execute(&actor_for(&user("ada")), UserId::generate())
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }
}
