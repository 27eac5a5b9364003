//! Validated value types of a user's profile. Each can only be built through `parse`, so
//! an entity never holds an unchecked string.

use crate::ValidationError;
use std::fmt;

macro_rules! string_value {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// 3 to 32 characters from `[A-Za-z0-9_.-]`. Unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);
string_value!(Username);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let len = raw.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(ValidationError::new(
                "username",
                format!(
                    "must be {} to {} characters long",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(ValidationError::new(
                "username",
                "may contain only letters, digits, '_', '.' and '-'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The case-folded form that uniqueness and look-ups use.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// An email address, trimmed and lower-cased, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);
string_value!(EmailAddress);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("email", "must be a valid email address");
        let email = raw.trim().to_lowercase();
        if email.is_empty() || email.chars().count() > Self::MAX_LEN {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '@' | '<' | '>'));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
    }
}

/// A phone number: an optional leading `+` and 5 to 20 digits. Spaces, dots, dashes and
/// brackets are accepted on input and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);
string_value!(PhoneNumber);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "phone",
                "must be 5 to 20 digits, optionally starting with '+'",
            )
        };
        let trimmed = raw.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => ("+", rest),
            None => ("", trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(invalid()),
            }
        }
        if !(5..=20).contains(&digits.len()) {
            return Err(invalid());
        }
        Ok(Self(format!("{plus}{digits}")))
    }
}

/// A first or last name: trimmed, 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);
string_value!(PersonName);

impl PersonName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > Self::MAX_LEN {
            return Err(ValidationError::new(
                field,
                format!("must be 1 to {} characters long", Self::MAX_LEN),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

/// An absolute `http` or `https` URL of at most 2048 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AvatarUrl(String);
string_value!(AvatarUrl);

impl AvatarUrl {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let url = raw.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let host_present = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
        if !host_present
            || url.len() > Self::MAX_LEN
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ValidationError::new(
                "avatar_url",
                "must be an http(s) URL of at most 2048 characters",
            ));
        }
        Ok(Self(url.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_contract() {
        for ok in ["abc", "a_b.c-d", "A1234567890123456789012345678901"] {
            assert!(Username::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "ab",
            "",
            "has space",
            "émile",
            "semi;colon",
            "A12345678901234567890123456789012",
        ] {
            assert_eq!(Username::parse(bad).unwrap_err().field, "username", "{bad}");
        }
        assert_eq!(Username::parse("MiXeD").unwrap().canonical(), "mixed");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Ann@Example.ORG ").unwrap().as_str(),
            "ann@example.org"
        );
        for bad in [
            "",
            "plain",
            "@example.org",
            "ann@",
            "ann@localhost",
            "a b@example.org",
            "ann@exa mple.org",
            "ann@-example.org",
            "ann@@example.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} should be refused");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }

    #[test]
    fn phones_keep_only_digits_and_a_leading_plus() {
        assert_eq!(
            PhoneNumber::parse("+1 (555) 010-9999").unwrap().as_str(),
            "+15550109999"
        );
        for bad in ["1234", "+12a45", "12+345", &"9".repeat(21)] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            PersonName::parse("first_name", "  Ada ").unwrap().as_str(),
            "Ada"
        );
        assert_eq!(
            PersonName::parse("last_name", " ").unwrap_err().field,
            "last_name"
        );
        assert!(PersonName::parse("first_name", &"x".repeat(65)).is_err());
        assert!(PersonName::parse("first_name", "bad\u{7}").is_err());
    }

    #[test]
    fn avatar_urls_must_be_http() {
        assert!(AvatarUrl::parse("https://cdn.example.org/a.png").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "javascript:alert(1)",
            "https:///path",
            "https://a b",
        ] {
            assert!(AvatarUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
