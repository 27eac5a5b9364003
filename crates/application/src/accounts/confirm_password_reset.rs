use super::announce_revoked;
use crate::ApplicationError;
use palaver_domain::ValidationError;
use palaver_domain::ports::{Clock, Notifier, PasswordHasher, PasswordResetRepository};
use palaver_domain::secret::SecretToken;
use palaver_domain::user::Password;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ConfirmPasswordResetInput {
    pub token: SecretToken,
    pub new_password: Password,
}

/// Spends a reset token to set a new password; every session of the account is revoked
/// (and their open connections are told to close).
pub struct ConfirmPasswordReset {
    resets: Arc<dyn PasswordResetRepository>,
    hasher: Arc<dyn PasswordHasher>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
}

impl ConfirmPasswordReset {
    pub fn new(
        resets: Arc<dyn PasswordResetRepository>,
        hasher: Arc<dyn PasswordHasher>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            resets,
            hasher,
            notifier,
            clock,
        }
    }

    /// `Validation` on `token` when it is unknown, spent or expired. The token is checked
    /// before the new password is hashed, so made-up tokens cost no bcrypt round.
    pub async fn execute(&self, input: ConfirmPasswordResetInput) -> Result<(), ApplicationError> {
        let token = input.token.hash();
        if !self.resets.is_usable(&token, self.clock.now()).await? {
            return Err(unusable_token());
        }
        let new_hash = self
            .hasher
            .hash(&input.new_password)
            .await
            .map_err(ApplicationError::Unexpected)?;
        match self
            .resets
            .redeem(&token, &new_hash, self.clock.now())
            .await?
        {
            Some((user_id, revoked)) => {
                tracing::info!(%user_id, revoked_sessions = revoked.len(), "password reset");
                announce_revoked(self.notifier.as_ref(), user_id, revoked);
                Ok(())
            }
            None => Err(unusable_token()),
        }
    }
}

fn unusable_token() -> ApplicationError {
    ValidationError::new("token", "is invalid, already used or expired").into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::auth::SessionId;
    use palaver_domain::conversation::Notification;
    use palaver_domain::ports::{MockPasswordHasher, MockPasswordResetRepository};

    fn input() -> ConfirmPasswordResetInput {
        ConfirmPasswordResetInput {
            token: SecretToken::presented("reset-secret"),
            new_password: Password::parse("new_password", "brand new horse").unwrap(),
        }
    }

    fn hasher() -> Arc<MockPasswordHasher> {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|p| Ok(hash_of(p.expose())));
        Arc::new(hasher)
    }

    fn usable(usable: bool) -> MockPasswordResetRepository {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_is_usable()
            .withf(|token, at| {
                *token == SecretToken::presented("reset-secret").hash() && *at == now()
            })
            .returning(move |_, _| Ok(usable));
        resets
    }

    #[tokio::test]
    async fn a_valid_token_sets_the_new_hash_and_announces_every_revoked_session() {
        let ada = user("ada").id;
        let sessions = vec![SessionId::generate(), SessionId::generate()];
        let revoked = sessions.clone();
        let mut resets = usable(true);
        resets
            .expect_redeem()
            .withf(|token, hash, at| {
                *token == SecretToken::presented("reset-secret").hash()
                    && *hash == hash_of("brand new horse")
                    && *at == now()
            })
            .times(1)
            .returning(move |_, _, _| Ok(Some((ada, revoked.clone()))));
        let notifier = notifier_hearing(Notification::SessionsRevoked {
            user_id: ada,
            session_ids: sessions,
        });
        let confirm =
            ConfirmPasswordReset::new(Arc::new(resets), hasher(), notifier, fixed_clock());
        confirm.execute(input()).await.unwrap();
    }

    #[tokio::test]
    async fn an_account_without_sessions_is_reset_silently() {
        let mut resets = usable(true);
        resets
            .expect_redeem()
            .times(1)
            .returning(|_, _, _| Ok(Some((user("ada").id, vec![]))));
        let confirm =
            ConfirmPasswordReset::new(Arc::new(resets), hasher(), silent_notifier(), fixed_clock());
        confirm.execute(input()).await.unwrap();
    }

    #[tokio::test]
    async fn an_unusable_token_is_refused_before_any_hashing() {
        let mut resets = usable(false);
        resets.expect_redeem().never();
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().never();
        let confirm = ConfirmPasswordReset::new(
            Arc::new(resets),
            Arc::new(hasher),
            silent_notifier(),
            fixed_clock(),
        );
        assert!(matches!(
            confirm.execute(input()).await,
            Err(ApplicationError::Validation(e)) if e.field == "token"
        ));
    }

    #[tokio::test]
    async fn a_token_spent_between_check_and_redeem_is_refused() {
        let mut resets = usable(true);
        resets.expect_redeem().returning(|_, _, _| Ok(None));
        let confirm =
            ConfirmPasswordReset::new(Arc::new(resets), hasher(), silent_notifier(), fixed_clock());
        assert!(matches!(
            confirm.execute(input()).await,
            Err(ApplicationError::Validation(e)) if e.field == "token"
        ));
    }

    #[tokio::test]
    async fn a_hasher_failure_is_unexpected() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Err("pool gone".into()));
        let confirm = ConfirmPasswordReset::new(
            Arc::new(usable(true)),
            Arc::new(hasher),
            silent_notifier(),
            fixed_clock(),
        );
        assert!(matches!(
            confirm.execute(input()).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut resets = usable(true);
        resets
            .expect_redeem()
            .returning(|_, _, _| Err(RepositoryError::unexpected("db down")));
        let confirm =
            ConfirmPasswordReset::new(Arc::new(resets), hasher(), silent_notifier(), fixed_clock());
        assert!(matches!(
            confirm.execute(input()).await,
            Err(ApplicationError::Unexpected(_))
        ));
    }
}
