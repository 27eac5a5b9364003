//! Whether an account belongs to a person or is a bot.

use crate::ValidationError;

/// A person logs in with a password; a bot authenticates only with its long-lived token
/// (`Authorization: Bot <token>`) and never with a password. Otherwise both use the same
/// API. A user's kind never changes, so a message stores its sender's kind as it was sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum UserKind {
    #[default]
    Person,
    Bot,
}

impl UserKind {
    /// The contract's spelling, as `sender_kind` and a user's `kind` show it.
    pub fn as_str(&self) -> &'static str {
        match self {
            UserKind::Person => "user",
            UserKind::Bot => "bot",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "user" => Ok(UserKind::Person),
            "bot" => Ok(UserKind::Bot),
            _ => Err(ValidationError::new("kind", "must be \"user\" or \"bot\"")),
        }
    }

    pub fn is_bot(&self) -> bool {
        *self == UserKind::Bot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_in_the_contracts_spelling() {
        for (kind, spelled) in [(UserKind::Person, "user"), (UserKind::Bot, "bot")] {
            assert_eq!(kind.as_str(), spelled);
            assert_eq!(UserKind::parse(spelled).unwrap(), kind);
        }
        assert!(UserKind::parse("person").is_err());
        assert!(UserKind::Bot.is_bot() && !UserKind::Person.is_bot());
    }
}
