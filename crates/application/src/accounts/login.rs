use super::throttle::LoginTarget;
use super::{AuthSession, SessionStarter, Throttle};
use crate::{ApplicationError, AuthFailure};
use palaver_domain::ports::{PasswordHasher, UserRepository};
use palaver_domain::user::{EmailAddress, Password, User, Username};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct LoginInput {
    /// A username or an email address.
    pub login: String,
    pub password: Password,
    /// Where the attempt comes from, when known: attempts are throttled per address too.
    pub client: Option<IpAddr>,
}

/// Checks a username (or email) and password and opens a session.
pub struct Login {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    sessions: SessionStarter,
    throttle: Throttle,
}

impl Login {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        sessions: SessionStarter,
        throttle: Throttle,
    ) -> Self {
        Self {
            users,
            hasher,
            sessions,
            throttle,
        }
    }

    /// `Unauthorized(InvalidCredentials)` for an unknown user and a wrong password alike,
    /// and for a bot, which never logs in with a password (its hash is checked all the
    /// same, so a bot's name is not told apart by timing either).
    /// An unknown user still costs one full password check, against a dummy hash, so the
    /// two cases cannot be told apart by timing. `RateLimited`, before any password is
    /// checked, when the account or the client's address has tried too often.
    pub async fn execute(&self, input: LoginInput) -> Result<AuthSession, ApplicationError> {
        let user = self.find_user(&input.login).await?;
        let target = match &user {
            Some(user) => LoginTarget::Account(user.id),
            None => LoginTarget::Unknown(&input.login),
        };
        self.throttle.login_attempt(&target, input.client).await?;
        let hash = match &user {
            Some(user) => user.password_hash.clone(),
            None => self.hasher.dummy_hash(),
        };
        let matches = self
            .hasher
            .verify(&input.password, &hash)
            .await
            .map_err(ApplicationError::Unexpected)?;
        match user {
            Some(user) if matches && !user.is_bot() => {
                self.throttle.login_succeeded(user.id).await;
                self.sessions.start(user).await
            }
            _ => Err(AuthFailure::InvalidCredentials.into()),
        }
    }

    async fn find_user(&self, login: &str) -> Result<Option<User>, ApplicationError> {
        let login = login.trim();
        if login.contains('@') {
            match EmailAddress::parse(login) {
                Ok(email) => Ok(self.users.find_by_email(&email).await?),
                Err(_) => Ok(None),
            }
        } else {
            match Username::parse(login) {
                Ok(username) => Ok(self.users.find_by_username(&username).await?),
                Err(_) => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{
        AttemptCount, MockAttemptCounter, MockPasswordHasher, MockUserRepository,
    };
    use palaver_domain::user::PasswordHash;

    fn input(login: &str, password: &str) -> LoginInput {
        LoginInput {
            login: login.into(),
            password: Password::offered(password),
            client: None,
        }
    }

    #[tokio::test]
    async fn an_account_over_its_limit_is_refused_before_its_password_is_checked() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .returning(move |_| Ok(Some(ada.clone())));
        let mut counter = MockAttemptCounter::new();
        counter.expect_hit().returning(|_, _| {
            Ok(AttemptCount {
                attempts: 11,
                resets_in: std::time::Duration::from_secs(42),
            })
        });
        let limits = crate::accounts::ThrottleLimits {
            login_per_account: 10,
            login_per_address: 100,
            login_window: std::time::Duration::from_secs(60),
            reset_per_email: 1,
            reset_per_address: 1,
            reset_window: std::time::Duration::from_secs(60),
        };
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(0)),
            starter_expecting_no_session(),
            Throttle::new(Arc::new(counter), limits),
        );
        let refused = login.execute(input("ada", "correct horse")).await;
        assert!(matches!(
            refused,
            Err(ApplicationError::RateLimited { retry_after }) if retry_after.as_secs() == 42
        ));
    }

    /// A hasher whose only known password is "correct horse"; the dummy hash matches none.
    fn hasher(expected_verifications: usize) -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_dummy_hash()
            .returning(|| PasswordHash::from_stored("dummy".into()));
        hasher
            .expect_verify()
            .times(expected_verifications)
            .returning(|password, hash| Ok(*hash == hash_of(password.expose())));
        hasher
    }

    #[tokio::test]
    async fn the_right_password_opens_a_session() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        let found = ada.clone();
        users
            .expect_find_by_username()
            .withf(|u| u.as_str() == "Ada")
            .returning(move |_| Ok(Some(found.clone())));
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(1)),
            starter_expecting_one_session(),
            generous_throttle(),
        );
        let session = login.execute(input("Ada", "correct horse")).await.unwrap();
        assert_eq!(session.user.id, ada.id);
    }

    #[tokio::test]
    async fn an_email_works_as_the_login() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_email()
            .withf(|e| e.as_str() == "ada@example.org")
            .returning(move |_| Ok(Some(ada.clone())));
        users.expect_find_by_username().never();
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(1)),
            starter_expecting_one_session(),
            generous_throttle(),
        );
        assert!(
            login
                .execute(input("ADA@example.org", "correct horse"))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_wrong_password_is_refused() {
        let ada = user("ada");
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .returning(move |_| Ok(Some(ada.clone())));
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(1)),
            starter_expecting_no_session(),
            generous_throttle(),
        );
        let error = login
            .execute(input("ada", "wrong horse"))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ApplicationError::Unauthorized(AuthFailure::InvalidCredentials)
        ));
    }

    #[tokio::test]
    async fn a_bot_never_logs_in_with_a_password_even_a_matching_one() {
        let bot = User {
            kind: palaver_domain::user::UserKind::Bot,
            ..user("echo-bot")
        };
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .returning(move |_| Ok(Some(bot.clone())));
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(1)),
            starter_expecting_no_session(),
            generous_throttle(),
        );
        assert!(matches!(
            login.execute(input("echo-bot", "correct horse")).await,
            Err(ApplicationError::Unauthorized(
                AuthFailure::InvalidCredentials
            ))
        ));
    }

    #[tokio::test]
    async fn an_unknown_user_is_refused_the_same_way_after_a_dummy_check() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(None));
        // exactly one verification happens, against the dummy hash
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(1)),
            starter_expecting_no_session(),
            generous_throttle(),
        );
        let error = login
            .execute(input("nobody", "correct horse"))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ApplicationError::Unauthorized(AuthFailure::InvalidCredentials)
        ));
    }

    #[tokio::test]
    async fn a_login_that_cannot_be_a_username_or_email_is_just_unknown() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().never();
        users.expect_find_by_email().never();
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(2)),
            starter_expecting_no_session(),
            generous_throttle(),
        );
        for odd in ["x", "not an@email"] {
            assert!(matches!(
                login.execute(input(odd, "correct horse")).await,
                Err(ApplicationError::Unauthorized(
                    AuthFailure::InvalidCredentials
                ))
            ));
        }
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_username()
            .returning(|_| Err(RepositoryError::unexpected("db down")));
        let login = Login::new(
            Arc::new(users),
            Arc::new(hasher(0)),
            starter_expecting_no_session(),
            generous_throttle(),
        );
        assert!(matches!(
            login.execute(input("ada", "correct horse")).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
