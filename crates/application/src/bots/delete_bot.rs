use crate::ApplicationError;
use crate::conversations::LeaveAllConversations;
use palaver_domain::auth::Actor;
use palaver_domain::conversation::{Notification, policy};
use palaver_domain::ports::{BotRepository, Notifier, UserRepository};
use palaver_domain::user::UserId;
use std::sync::Arc;

/// A global admin deletes a bot: it leaves every conversation (the members see it go),
/// then the account goes, and its token with it; its open connections are closed.
pub struct DeleteBot {
    bots: Arc<dyn BotRepository>,
    users: Arc<dyn UserRepository>,
    leave_all: LeaveAllConversations,
    notifier: Arc<dyn Notifier>,
}

impl DeleteBot {
    pub fn new(
        bots: Arc<dyn BotRepository>,
        users: Arc<dyn UserRepository>,
        leave_all: LeaveAllConversations,
        notifier: Arc<dyn Notifier>,
    ) -> Self {
        Self {
            bots,
            users,
            leave_all,
            notifier,
        }
    }

    /// `Forbidden` unless the actor is a global admin; `NotFound("bot")` when `bot` is not
    /// a bot (people are deleted through `DELETE /api/users/{id}`).
    pub async fn execute(&self, actor: &Actor, bot: UserId) -> Result<(), ApplicationError> {
        policy::may_manage_integrations(actor.is_admin())?;
        if self.bots.find_bot(bot).await?.is_none() {
            return Err(ApplicationError::NotFound("bot"));
        }
        self.leave_all
            .then_delete(self.users.as_ref(), bot)
            .await
            .map_err(|error| match error {
                ApplicationError::NotFound(_) => ApplicationError::NotFound("bot"),
                other => other,
            })?;
        tracing::info!(admin = %actor.user_id, bot_id = %bot, "bot deleted");
        self.notifier
            .notify(Notification::AccountDeleted { user_id: bot });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::ports::{MockBotRepository, MockUserRepository};
    use palaver_domain::user::{User, UserKind};

    fn bots_knowing(bot: Option<User>) -> Arc<MockBotRepository> {
        let mut bots = MockBotRepository::new();
        bots.expect_find_bot().returning(move |_| Ok(bot.clone()));
        Arc::new(bots)
    }

    #[tokio::test]
    async fn an_admin_deletes_a_bot_and_its_connections_are_closed() {
        let bot = User {
            kind: UserKind::Bot,
            ..user("echo-bot")
        };
        let id = bot.id;
        let mut users = MockUserRepository::new();
        users
            .expect_delete()
            .withf(move |target| *target == id)
            .times(1)
            .returning(|_| Ok(()));
        let delete = DeleteBot::new(
            bots_knowing(Some(bot)),
            Arc::new(users),
            leave_none(),
            notifier_hearing(Notification::AccountDeleted { user_id: id }),
        );
        delete
            .execute(&actor_for(&admin("root")), id)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_person_is_not_a_bot() {
        let mut users = MockUserRepository::new();
        users.expect_delete().never();
        let delete = DeleteBot::new(
            bots_knowing(None),
            Arc::new(users),
            leave_none(),
            silent_notifier(),
        );
        assert!(matches!(
            delete
                .execute(&actor_for(&admin("root")), UserId::generate())
                .await,
            Err(ApplicationError::NotFound("bot"))
        ));
    }

    #[tokio::test]
    async fn a_plain_user_is_forbidden() {
        let mut users = MockUserRepository::new();
        users.expect_delete().never();
        let delete = DeleteBot::new(
            Arc::new(MockBotRepository::new()),
            Arc::new(users),
            leave_none(),
            silent_notifier(),
        );
        assert!(matches!(
            delete
                .execute(&actor_for(&user("ada")), UserId::generate())
                .await,
            Err(ApplicationError::Forbidden(_))
        ));
    }
}
