//! Opaque bearer secrets (refresh tokens, password-reset tokens) and their stored hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::fmt;

/// The number of random bytes in every opaque token Palaver hands out (256 bits).
pub const SECRET_TOKEN_BYTES: usize = 32;

/// A secret handed to a client exactly once. Only its [`TokenHash`] is ever stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl SecretToken {
    /// Encodes freshly generated random bytes as a URL-safe token.
    pub fn from_random_bytes(bytes: [u8; SECRET_TOKEN_BYTES]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Wraps a token a client presented. It is never trusted, only hashed and looked up.
    pub fn presented(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// Hex SHA-256 of a [`SecretToken`]: what the database keeps instead of the token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Rebuilds a hash read back from storage.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_hashes_to_64_hex_chars_and_never_to_itself() {
        let token = SecretToken::from_random_bytes([7; SECRET_TOKEN_BYTES]);
        let hash = token.hash();
        assert_eq!(hash.as_str().len(), 64);
        assert_ne!(hash.as_str(), token.expose());
        assert_eq!(token.hash(), SecretToken::presented(token.expose()).hash());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let token = SecretToken::presented("very-secret");
        assert!(!format!("{token:?}").contains("very-secret"));
    }
}
