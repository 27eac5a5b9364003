use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::PasswordHasher;
use palaver_domain::user::{Password, PasswordHash};

/// bcrypt at a configurable cost, run on tokio's blocking pool so that a slow hash never
/// stalls the async workers.
pub struct BcryptHasher {
    cost: u32,
    dummy: PasswordHash,
}

impl BcryptHasher {
    /// Hashes a throwaway password once up front, at the same cost, to serve as the dummy
    /// hash that logins for unknown users are checked against.
    pub fn new(cost: u32) -> Result<Self, BoxError> {
        let unknowable = format!("no-such-user-{}", uuid::Uuid::new_v4());
        let dummy = PasswordHash::from_stored(bcrypt::hash(unknowable, cost)?);
        Ok(Self { cost, dummy })
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        let password = password.clone();
        let cost = self.cost;
        let hash =
            tokio::task::spawn_blocking(move || bcrypt::hash(password.expose(), cost)).await??;
        Ok(PasswordHash::from_stored(hash))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        let password = password.clone();
        let hash = hash.clone();
        let matches =
            tokio::task::spawn_blocking(move || bcrypt::verify(password.expose(), hash.as_str()))
                .await??;
        Ok(matches)
    }

    fn dummy_hash(&self) -> PasswordHash {
        self.dummy.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let hasher = BcryptHasher::new(4).unwrap();
        let password = Password::parse("password", "correct horse").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.as_str().starts_with("$2b$04$"));
        assert!(hasher.verify(&password, &hash).await.unwrap());
        assert!(
            !hasher
                .verify(&Password::offered("wrong horse"), &hash)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_dummy_hash_is_real_bcrypt_at_the_same_cost_and_matches_nothing_typed() {
        let hasher = BcryptHasher::new(5).unwrap();
        let dummy = hasher.dummy_hash();
        assert!(dummy.as_str().starts_with("$2b$05$"));
        assert!(!hasher.verify(&Password::offered(""), &dummy).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_hash_is_an_error_not_a_match() {
        let hasher = BcryptHasher::new(4).unwrap();
        let result = hasher
            .verify(
                &Password::offered("x"),
                &PasswordHash::from_stored("garbage".into()),
            )
            .await;
        assert!(result.is_err());
    }
}
