use super::{AuthSession, SessionStarter};
use crate::ApplicationError;
use palaver_domain::ports::{Clock, PasswordHasher, UserRepository};
use palaver_domain::user::{
    EmailAddress, Password, PersonName, PhoneNumber, Role, User, UserId, UserKind, Username,
};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct RegisterInput {
    pub username: Username,
    pub password: Password,
    pub email: Option<EmailAddress>,
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub phone: Option<PhoneNumber>,
}

/// Creates an account with the `user` role and logs it in.
pub struct Register {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
    sessions: SessionStarter,
}

impl Register {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        sessions: SessionStarter,
    ) -> Self {
        Self {
            users,
            hasher,
            clock,
            sessions,
        }
    }

    /// `Conflict` of `Taken::Username` or `Taken::Email` when either is taken.
    pub async fn execute(&self, input: RegisterInput) -> Result<AuthSession, ApplicationError> {
        let password_hash = self
            .hasher
            .hash(&input.password)
            .await
            .map_err(ApplicationError::Unexpected)?;
        let now = self.clock.now();
        let user = User {
            id: UserId::generate(),
            username: input.username,
            email: input.email,
            phone: input.phone,
            first_name: input.first_name,
            last_name: input.last_name,
            avatar_url: None,
            role: Role::User,
            kind: UserKind::Person,
            password_hash,
            created_at: now,
            updated_at: now,
            last_seen_at: None,
        };
        self.users.insert(&user).await?;
        tracing::info!(user_id = %user.id, "account registered");
        self.sessions.start(user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{MockPasswordHasher, MockUserRepository};

    fn input() -> RegisterInput {
        RegisterInput {
            username: Username::parse("ada").unwrap(),
            password: Password::parse("password", "correct horse").unwrap(),
            email: Some(EmailAddress::parse("ada@example.org").unwrap()),
            first_name: None,
            last_name: None,
            phone: None,
        }
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_hash()
            .withf(|p| p.expose() == "correct horse")
            .times(1)
            .returning(|_| Ok(hash_of("correct horse")));
        hasher
    }

    #[tokio::test]
    async fn registers_a_plain_user_with_a_hashed_password_and_starts_a_session() {
        let mut users = MockUserRepository::new();
        users
            .expect_insert()
            .withf(|u| {
                u.username.as_str() == "ada"
                    && u.role == Role::User
                    && u.password_hash == hash_of("correct horse")
                    && u.created_at == now()
            })
            .times(1)
            .returning(|_| Ok(()));
        let register = Register::new(
            Arc::new(users),
            Arc::new(hasher()),
            fixed_clock(),
            starter_expecting_one_session(),
        );
        let session = register.execute(input()).await.unwrap();
        assert_eq!(session.user.username.as_str(), "ada");
        assert_eq!(session.access_token, ACCESS_TOKEN);
        assert_eq!(session.refresh_token, refresh_secret());
    }

    #[tokio::test]
    async fn a_taken_username_is_a_conflict_and_opens_no_session() {
        let mut users = MockUserRepository::new();
        users.expect_insert().returning(|_| {
            Err(RepositoryError::Conflict {
                field: palaver_domain::Taken::Username,
            })
        });
        let register = Register::new(
            Arc::new(users),
            Arc::new(hasher()),
            fixed_clock(),
            starter_expecting_no_session(),
        );
        let error = register.execute(input()).await.unwrap_err();
        assert!(matches!(
            error,
            ApplicationError::Conflict {
                field: palaver_domain::Taken::Username
            }
        ));
    }

    #[tokio::test]
    async fn a_hasher_failure_is_unexpected_and_stores_nothing() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Err("pool gone".into()));
        let mut users = MockUserRepository::new();
        users.expect_insert().never();
        let register = Register::new(
            Arc::new(users),
            Arc::new(hasher),
            fixed_clock(),
            starter_expecting_no_session(),
        );
        assert!(matches!(
            register.execute(input()).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut users = MockUserRepository::new();
        users
            .expect_insert()
            .returning(|_| Err(RepositoryError::unexpected("disk full")));
        let register = Register::new(
            Arc::new(users),
            Arc::new(hasher()),
            fixed_clock(),
            starter_expecting_no_session(),
        );
        assert!(matches!(
            register.execute(input()).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
