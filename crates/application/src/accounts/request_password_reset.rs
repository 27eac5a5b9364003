use super::Throttle;
use crate::ApplicationError;
use chrono::Duration;
use palaver_domain::auth::PasswordResetRecord;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{
    Clock, Mailer, OutgoingMail, PasswordResetRepository, SecretGenerator, UserRepository,
};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{EmailAddress, UserId};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct PasswordResetSettings {
    /// How long a reset token stays usable (30 minutes by default).
    pub token_ttl: Duration,
    /// When set, the mail carries this URL with the token appended, e.g.
    /// `https://chat.example.org/reset-password?token=`.
    pub link_prefix: Option<String>,
}

/// Mails a single-use reset token to an account's address. Answers the same, and in the
/// same time, whether or not the address belongs to anyone: the token is stored and the
/// mail queued after the answer, so neither reply nor timing tells who has an account.
pub struct RequestPasswordReset {
    users: Arc<dyn UserRepository>,
    delivery: Arc<ResetDelivery>,
    throttle: Throttle,
}

/// The part that runs after the answer: store a token, queue the mail.
struct ResetDelivery {
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
        throttle: Throttle,
    ) -> Self {
        Self {
            users,
            throttle,
            delivery: Arc::new(ResetDelivery {
                resets,
                secrets,
                mailer,
                clock,
                settings,
            }),
        }
    }

    /// Returns once the address is looked up; the rest happens on a background task, whose
    /// failures are logged for the operator. Must run inside a tokio runtime.
    /// `RateLimited` when the address, or the client's, has asked too often: counted
    /// whether or not the address has an account, so the answer tells nothing.
    pub async fn execute(
        &self,
        email: EmailAddress,
        client: Option<IpAddr>,
    ) -> Result<(), ApplicationError> {
        self.throttle.reset_request(&email, client).await?;
        let Some(user) = self.users.find_by_email(&email).await? else {
            return Ok(());
        };
        let delivery = self.delivery.clone();
        tokio::spawn(async move {
            if let Err(error) = delivery.deliver(user.id, email).await {
                tracing::error!(user_id = %user.id, %error, "password reset mail not sent");
            }
        });
        Ok(())
    }
}

impl ResetDelivery {
    async fn deliver(&self, user: UserId, email: EmailAddress) -> Result<(), BoxError> {
        let now = self.clock.now();
        let token = self.secrets.generate();
        self.resets
            .insert(&PasswordResetRecord {
                token_hash: token.hash(),
                user_id: user,
                created_at: now,
                expires_at: now + self.settings.token_ttl,
            })
            .await?;
        self.mailer
            .send(OutgoingMail {
                to: email,
                subject: "Reset your Palaver password".into(),
                body: self.mail_body(&token),
                html: None,
            })
            .await
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
    use std::time::Duration as StdDuration;
    use tokio::sync::mpsc;

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

    fn resets(answer: fn() -> Result<(), RepositoryError>) -> Arc<MockPasswordResetRepository> {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_insert()
            .withf(|r| {
                r.token_hash == SecretToken::presented("reset-secret").hash()
                    && r.expires_at == now() + Duration::minutes(30)
            })
            .returning(move |_| answer());
        Arc::new(resets)
    }

    /// A mailer that reports every mail it is given on a channel.
    fn recording_mailer(
        answer: fn() -> Result<(), BoxError>,
    ) -> (Arc<MockMailer>, mpsc::UnboundedReceiver<OutgoingMail>) {
        let (sent, received) = mpsc::unbounded_channel();
        let mut mailer = MockMailer::new();
        mailer.expect_send().returning(move |mail| {
            sent.send(mail).ok();
            answer()
        });
        (Arc::new(mailer), received)
    }

    fn delivery(
        resets: Arc<MockPasswordResetRepository>,
        mailer: Arc<MockMailer>,
        link: Option<&str>,
    ) -> ResetDelivery {
        ResetDelivery {
            resets,
            secrets: secrets(),
            mailer,
            clock: fixed_clock(),
            settings: settings(link),
        }
    }

    #[tokio::test]
    async fn a_known_address_gets_its_mail_after_the_answer() {
        let (mailer, mut sent) = recording_mailer(|| Ok(()));
        let request = RequestPasswordReset {
            users: users_knowing(true),
            delivery: Arc::new(delivery(resets(|| Ok(())), mailer, None)),
            throttle: generous_throttle(),
        };
        request.execute(email(), None).await.unwrap();
        let mail = tokio::time::timeout(StdDuration::from_secs(5), sent.recv())
            .await
            .expect("the mail is sent in the background")
            .unwrap();
        assert_eq!(mail.to, email());
    }

    #[tokio::test]
    async fn an_unknown_address_succeeds_without_storing_or_sending() {
        let mut resets = MockPasswordResetRepository::new();
        resets.expect_insert().never();
        let (mailer, mut sent) = recording_mailer(|| Ok(()));
        let request = RequestPasswordReset {
            users: users_knowing(false),
            delivery: Arc::new(delivery(Arc::new(resets), mailer, None)),
            throttle: generous_throttle(),
        };
        request.execute(email(), None).await.unwrap();
        tokio::task::yield_now().await;
        assert!(sent.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_lookup_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_email()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let (mailer, _) = recording_mailer(|| Ok(()));
        let request = RequestPasswordReset {
            users: Arc::new(users),
            delivery: Arc::new(delivery(resets(|| Ok(())), mailer, None)),
            throttle: generous_throttle(),
        };
        assert!(matches!(
            request.execute(email(), None).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }

    #[tokio::test]
    async fn the_mail_links_to_the_reset_page_with_a_stored_token() {
        let (mailer, mut sent) = recording_mailer(|| Ok(()));
        delivery(
            resets(|| Ok(())),
            mailer,
            Some("https://chat.example.org/reset?token="),
        )
        .deliver(user("ada").id, email())
        .await
        .unwrap();
        let mail = sent.try_recv().unwrap();
        assert!(
            mail.body
                .contains("https://chat.example.org/reset?token=reset-secret")
        );
        assert!(mail.body.contains("30 minutes"));
    }

    #[tokio::test]
    async fn without_a_link_prefix_the_mail_carries_the_bare_code() {
        let (mailer, mut sent) = recording_mailer(|| Ok(()));
        delivery(resets(|| Ok(())), mailer, None)
            .deliver(user("ada").id, email())
            .await
            .unwrap();
        assert!(sent.try_recv().unwrap().body.contains("\n\nreset-secret\n"));
    }

    #[tokio::test]
    async fn a_store_failure_sends_nothing_and_a_mail_failure_is_reported() {
        let (mailer, mut sent) = recording_mailer(|| Ok(()));
        let failed = delivery(
            resets(|| Err(RepositoryError::unexpected("db down"))),
            mailer,
            None,
        )
        .deliver(user("ada").id, email())
        .await;
        assert!(failed.is_err());
        assert!(sent.try_recv().is_err());

        let (mailer, _) = recording_mailer(|| Err("queue full".into()));
        let failed = delivery(resets(|| Ok(())), mailer, None)
            .deliver(user("ada").id, email())
            .await;
        assert!(failed.is_err());
    }
}
