use palaver_domain::ports::SecretGenerator;
use palaver_domain::secret::{SECRET_TOKEN_BYTES, SecretToken};
use rand::TryRngCore;
use rand::rngs::OsRng;

/// Opaque tokens from the operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomSecrets;

impl SecretGenerator for RandomSecrets {
    fn generate(&self) -> SecretToken {
        let mut bytes = [0u8; SECRET_TOKEN_BYTES];
        // The OS random source failing is not something a server can carry on through.
        #[allow(clippy::expect_used)]
        OsRng
            .try_fill_bytes(&mut bytes)
            .expect("the operating system's random source failed");
        SecretToken::from_random_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = RandomSecrets.generate();
        let b = RandomSecrets.generate();
        assert_ne!(a, b);
        // 32 bytes in unpadded base64url
        assert_eq!(a.expose().len(), 43);
    }
}
