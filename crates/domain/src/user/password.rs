use crate::ValidationError;
use std::fmt;

/// A plaintext password as a person typed it: 8 to 128 characters. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 128;

    /// Checks the length rules; `field` names the input (`password`, `new_password` ...).
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let len = raw.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(ValidationError::new(
                field,
                format!(
                    "must be {} to {} characters long",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Wraps a password offered to prove identity (login, account deletion). Its length is
    /// not checked, so that a wrong guess gets the same answer as any other wrong password.
    pub fn offered(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A password hash in the hasher's own self-describing format (bcrypt's `$2b$...`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(hash: String) -> Self {
        Self(hash)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules_count_characters_not_bytes() {
        assert!(Password::parse("password", "12345678").is_ok());
        assert!(Password::parse("password", "1234567").is_err());
        assert!(Password::parse("password", &"é".repeat(128)).is_ok());
        assert_eq!(
            Password::parse("new_password", &"x".repeat(129))
                .unwrap_err()
                .field,
            "new_password"
        );
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let password = Password::parse("password", "correct horse").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
        let hash = PasswordHash::from_stored("$2b$04$abcdef".into());
        assert!(!format!("{hash:?}").contains("abcdef"));
    }
}
