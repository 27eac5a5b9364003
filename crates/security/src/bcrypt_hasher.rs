use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use palaver_domain::error::BoxError;
use palaver_domain::ports::PasswordHasher;
use palaver_domain::user::{Password, PasswordHash};
use sha2::{Digest, Sha256};

/// bcrypt at a configurable cost, run on tokio's blocking pool so that a slow hash never
/// stalls the async workers.
///
/// bcrypt silently ignores everything past the 72nd byte of its input, while Palaver accepts
/// passwords of up to 128 characters (up to 512 bytes of UTF-8). Fed the raw password, two
/// long passwords sharing their first 72 bytes would be the same password. So bcrypt is fed
/// a pre-hash instead: the standard, padded base64 of SHA-256 of the password's bytes, 44
/// ASCII bytes that depend on every byte of the password. Base64 rather than the raw digest
/// keeps NUL bytes out, which many bcrypt implementations take for the end of the password.
pub struct BcryptHasher {
    cost: u32,
    dummy: PasswordHash,
}

/// What bcrypt is given in place of the password itself; see [`BcryptHasher`].
fn prehash(password: &str) -> String {
    STANDARD.encode(Sha256::digest(password.as_bytes()))
}

impl BcryptHasher {
    /// Hashes a throwaway password once up front, at the same cost, to serve as the dummy
    /// hash that logins for unknown users are checked against. It is pre-hashed like any
    /// real password, so checking against it costs exactly what a real check costs.
    pub fn new(cost: u32) -> Result<Self, BoxError> {
        let unknowable = format!("no-such-user-{}", uuid::Uuid::new_v4());
        let dummy = PasswordHash::from_stored(bcrypt::hash(prehash(&unknowable), cost)?);
        Ok(Self { cost, dummy })
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        let password = password.clone();
        let cost = self.cost;
        let hash =
            tokio::task::spawn_blocking(move || bcrypt::hash(prehash(password.expose()), cost))
                .await??;
        Ok(PasswordHash::from_stored(hash))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        let password = password.clone();
        let hash = hash.clone();
        let matches = tokio::task::spawn_blocking(move || {
            bcrypt::verify(prehash(password.expose()), hash.as_str())
        })
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
    async fn long_passwords_differing_only_after_the_72nd_byte_are_different_passwords() {
        let hasher = BcryptHasher::new(4).unwrap();
        let shared = "a".repeat(80);
        let first = Password::parse("password", &format!("{shared}{}", "b".repeat(20))).unwrap();
        let second = Password::parse("password", &format!("{shared}{}", "c".repeat(20))).unwrap();
        assert_eq!(first.expose().chars().count(), 100);
        assert_eq!(second.expose().chars().count(), 100);

        let first_hash = hasher.hash(&first).await.unwrap();
        let second_hash = hasher.hash(&second).await.unwrap();

        assert!(hasher.verify(&first, &first_hash).await.unwrap());
        assert!(hasher.verify(&second, &second_hash).await.unwrap());
        assert!(!hasher.verify(&first, &second_hash).await.unwrap());
        assert!(!hasher.verify(&second, &first_hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_longest_multibyte_password_round_trips() {
        let hasher = BcryptHasher::new(4).unwrap();
        let password = Password::parse("password", &"é".repeat(128)).unwrap();
        assert_eq!(password.expose().len(), 256);

        let hash = hasher.hash(&password).await.unwrap();

        assert!(hasher.verify(&password, &hash).await.unwrap());
        let one_short = Password::offered(&"é".repeat(127));
        assert!(!hasher.verify(&one_short, &hash).await.unwrap());
    }

    #[test]
    fn the_prehash_is_padded_standard_base64_of_sha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(
            prehash("abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(prehash(&"é".repeat(128)).len(), 44);
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
