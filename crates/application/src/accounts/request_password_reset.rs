use crate::ApplicationError;
use chrono::Duration;
use palaver_domain::auth::PasswordResetRecord;
use palaver_domain::ports::{
    Clock, Mailer, OutgoingMail, PasswordResetRepository, SecretGenerator, UserRepository,
};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::EmailAddress;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct PasswordResetSettings {
    /// How long a reset token stays usable (30 minutes by default).
    pub token_ttl: Duration,
    /// When set, the mail carries this URL with the token appended, e.g.
    /// `https://chat.example.org/reset-password?token=`.
    pub link_prefix: Option<String>,
}

/// Mails a single-use reset token to an account's address. Answers the same whether or not
/// the address belongs to anyone, so it cannot be used to find out who has an account.
pub struct RequestPasswordReset {
    users: Arc<dyn UserRepository>,
    resets: Arc<dyn PasswordResetRepository>,
    secrets: Arc<dyn SecretGenerator>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    settings: PasswordResetSettings,
}

impl RequestPasswordReset {
    pub fn new(
        users: Arc<dyn UserRepository>,
        resets: Arc<dyn PasswordResetRepository>,
        secrets: Arc<dyn SecretGenerator>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        settings: PasswordResetSettings,
    ) -> Self {
        Self {
            users,
            resets,
            secrets,
            mailer,
            clock,
            settings,
        }
    }

    pub async fn execute(&self, email: EmailAddress) -> Result<(), ApplicationError> {
        let Some(user) = self.users.find_by_email(&email).await? else {
            return Ok(());
        };
        let now = self.clock.now();
        let token = self.secrets.generate();
        self.resets
            .insert(&PasswordResetRecord {
                token_hash: token.hash(),
                user_id: user.id,
                created_at: now,
                expires_at: now + self.settings.token_ttl,
            })
            .await?;
        let mail = OutgoingMail {
            to: email,
            subject: "Reset your Palaver password".into(),
            body: self.mail_body(&token),
        };
        // A mail failure must not change the answer, or the answer would reveal that the
        // address has an account; it is logged for the operator instead.
        if let Err(error) = self.mailer.send(mail).await {
            tracing::error!(user_id = %user.id, error = %error, "password reset mail not sent");
        }
        Ok(())
    }

    fn mail_body(&self, token: &SecretToken) -> String {
        let minutes = self.settings.token_ttl.num_minutes();
        let how = match &self.settings.link_prefix {
            Some(prefix) => format!(
                "Open this link to choose a new password:\n\n{prefix}{}\n",
                token.expose()
            ),
            None => format!(
                "Use this code to choose a new password:\n\n{}\n",
                token.expose()
            ),
        };
        format!(
            "Somebody asked to reset the password of your Palaver account.\n\n{how}\n\
             It works once and expires in {minutes} minutes. If it was not you, ignore this \
             mail: your password stays as it is.\n"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{
        MockMailer, MockPasswordResetRepository, MockSecretGenerator, MockUserRepository,
    };

    fn settings(link_prefix: Option<&str>) -> PasswordResetSettings {
        PasswordResetSettings {
            token_ttl: Duration::minutes(30),
            link_prefix: link_prefix.map(str::to_owned),
        }
    }

    fn secrets() -> Arc<MockSecretGenerator> {
        let mut secrets = MockSecretGenerator::new();
        secrets
            .expect_generate()
            .returning(|| SecretToken::presented("reset-secret"));
        Arc::new(secrets)
    }

    fn email() -> EmailAddress {
        EmailAddress::parse("ada@example.org").unwrap()
    }

    fn users_knowing(known: bool) -> Arc<MockUserRepository> {
        let mut users = MockUserRepository::new();
        let ada = user("ada");
        users
            .expect_find_by_email()
            .returning(move |_| Ok(known.then(|| ada.clone())));
        Arc::new(users)
    }

    fn resets(times: usize) -> Arc<MockPasswordResetRepository> {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_insert()
            .withf(|r| {
                r.token_hash == SecretToken::presented("reset-secret").hash()
                    && r.expires_at == now() + Duration::minutes(30)
            })
            .times(times)
            .returning(|_| Ok(()));
        Arc::new(resets)
    }

    #[tokio::test]
    async fn a_known_address_gets_a_mail_with_a_stored_single_use_token() {
        let mut mailer = MockMailer::new();
        mailer
            .expect_send()
            .withf(|m| {
                m.to.as_str() == "ada@example.org"
                    && m.body
                        .contains("https://chat.example.org/reset?token=reset-secret")
                    && m.body.contains("30 minutes")
            })
            .times(1)
            .returning(|_| Ok(()));
        let request = RequestPasswordReset::new(
            users_knowing(true),
            resets(1),
            secrets(),
            Arc::new(mailer),
            fixed_clock(),
            settings(Some("https://chat.example.org/reset?token=")),
        );
        request.execute(email()).await.unwrap();
    }

    #[tokio::test]
    async fn without_a_link_prefix_the_mail_carries_the_bare_code() {
        let mut mailer = MockMailer::new();
        mailer
            .expect_send()
            .withf(|m| m.body.contains("\n\nreset-secret\n"))
            .times(1)
            .returning(|_| Ok(()));
        let request = RequestPasswordReset::new(
            users_knowing(true),
            resets(1),
            secrets(),
            Arc::new(mailer),
            fixed_clock(),
            settings(None),
        );
        request.execute(email()).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_address_succeeds_silently() {
        let mut mailer = MockMailer::new();
        mailer.expect_send().never();
        let request = RequestPasswordReset::new(
            users_knowing(false),
            resets(0),
            secrets(),
            Arc::new(mailer),
            fixed_clock(),
            settings(None),
        );
        request.execute(email()).await.unwrap();
    }

    #[tokio::test]
    async fn a_mail_failure_does_not_change_the_answer() {
        let mut mailer = MockMailer::new();
        mailer.expect_send().returning(|_| Err("smtp down".into()));
        let request = RequestPasswordReset::new(
            users_knowing(true),
            resets(1),
            secrets(),
            Arc::new(mailer),
            fixed_clock(),
            settings(None),
        );
        request.execute(email()).await.unwrap();
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected_and_sends_nothing() {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_insert()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let mut mailer = MockMailer::new();
        mailer.expect_send().never();
        let request = RequestPasswordReset::new(
            users_knowing(true),
            Arc::new(resets),
            secrets(),
            Arc::new(mailer),
            fixed_clock(),
            settings(None),
        );
        assert!(matches!(
            request.execute(email()).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
