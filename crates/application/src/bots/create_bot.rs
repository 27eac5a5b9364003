use super::new_token;
use crate::ApplicationError;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::policy;
use palaver_domain::ports::{BotRepository, Clock, PasswordHasher, SecretGenerator};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{PersonName, Role, User, UserId, UserKind, Username};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct CreateBotInput {
    pub username: Username,
    /// The display name, shown as the bot's `first_name`.
    pub name: PersonName,
}

/// The new bot and its token, which is shown this once and stored only hashed.
#[derive(Debug, Clone)]
pub struct CreatedBot {
    pub bot: User,
    pub token: SecretToken,
}

/// A global admin creates a bot user with its first token.
pub struct CreateBot {
    bots: Arc<dyn BotRepository>,
    hasher: Arc<dyn PasswordHasher>,
    secrets: Arc<dyn SecretGenerator>,
    clock: Arc<dyn Clock>,
}

impl CreateBot {
    pub fn new(
        bots: Arc<dyn BotRepository>,
        hasher: Arc<dyn PasswordHasher>,
        secrets: Arc<dyn SecretGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            bots,
            hasher,
            secrets,
            clock,
        }
    }

    /// `Forbidden` unless the actor is a global admin; `Conflict` of `Taken::Username`.
    pub async fn execute(
        &self,
        actor: &Actor,
        input: CreateBotInput,
    ) -> Result<CreatedBot, ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        let now = self.clock.now();
        let bot = User {
            id: UserId::generate(),
            username: input.username,
            email: None,
            phone: None,
            first_name: Some(input.name),
            last_name: None,
            avatar_url: None,
            role: Role::User,
            kind: UserKind::Bot,
            // A valid hash of a password nobody knows; login refuses bots anyway.
            password_hash: self.hasher.dummy_hash(),
            created_at: now,
            updated_at: now,
            last_seen_at: None,
        };
        let (token, record) = new_token(self.secrets.as_ref(), bot.id, now);
        self.bots.insert(&bot, &record).await?;
        tracing::info!(admin = %actor.user_id, bot_id = %bot.id, "bot created");
        Ok(CreatedBot { bot, token })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockBotRepository, MockPasswordHasher, MockSecretGenerator};
    use palaver_domain::user::PasswordHash;
    use palaver_domain::{RepositoryError, Taken};

    fn input() -> CreateBotInput {
        CreateBotInput {
            username: Username::parse("echo-bot").unwrap(),
            name: PersonName::parse("name", "Echo").unwrap(),
        }
    }

    fn creator(bots: MockBotRepository) -> CreateBot {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_dummy_hash()
            .returning(|| PasswordHash::from_stored("unknowable".into()));
        let mut secrets = MockSecretGenerator::new();
        secrets
            .expect_generate()
            .returning(|| SecretToken::presented("bot-secret"));
        CreateBot::new(
            Arc::new(bots),
            Arc::new(hasher),
            Arc::new(secrets),
            fixed_clock(),
        )
    }

    #[tokio::test]
    async fn an_admin_creates_a_bot_whose_token_is_stored_only_as_a_hash() {
        let mut bots = MockBotRepository::new();
        bots.expect_insert()
            .withf(|bot, token| {
                bot.kind == UserKind::Bot
                    && bot.role == Role::User
                    && bot.username.as_str() == "echo-bot"
                    && bot.first_name.as_ref().map(|n| n.as_ref()) == Some("Echo")
                    && bot.email.is_none()
                    && token.bot_id == bot.id
                    && token.token_hash == SecretToken::presented("bot-secret").hash()
                    && token.created_at == now()
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let created = creator(bots)
            .execute(&actor_for(&admin("root")), input())
            .await
            .unwrap();
        assert_eq!(created.token.expose(), "bot-secret");
        assert!(created.bot.is_bot());
    }

    #[tokio::test]
    async fn a_plain_user_is_forbidden_and_nothing_is_stored() {
        let mut bots = MockBotRepository::new();
        bots.expect_insert().never();
        let refused = creator(bots)
            .execute(&actor_for(&user("ada")), input())
            .await;
        assert!(matches!(refused, Err(ApplicationError::Forbidden(_))));
    }

    #[tokio::test]
    async fn a_taken_username_is_a_conflict() {
        let mut bots = MockBotRepository::new();
        bots.expect_insert().returning(|_, _| {
            Err(RepositoryError::Conflict {
                field: Taken::Username,
            })
        });
        let refused = creator(bots)
            .execute(&actor_for(&admin("root")), input())
            .await;
        assert!(matches!(
            refused,
            Err(ApplicationError::Conflict {
                field: Taken::Username
            })
        ));
    }
}
