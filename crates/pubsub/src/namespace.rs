use crate::error::BusError;
use std::fmt;

/// The name of one cluster on a shared Redis or NATS server: its envelopes travel on
/// `<namespace>.events`, and buses on different namespaces never hear each other.
///
/// 1 to 100 characters out of `A-Z a-z 0-9 _ - .`; dots separate NATS subject tokens, so a
/// namespace neither starts nor ends with one, nor holds two in a row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace(String);

impl Namespace {
    pub const MAX_LEN: usize = 100;

    pub fn parse(namespace: &str) -> Result<Self, BusError> {
        let invalid = |reason| BusError::InvalidNamespace {
            namespace: namespace.to_owned(),
            reason,
        };
        if namespace.is_empty() {
            return Err(invalid("it is empty"));
        }
        if namespace.len() > Self::MAX_LEN {
            return Err(invalid("it is longer than 100 characters"));
        }
        if !namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(invalid("only A-Z, a-z, 0-9, '_', '-' and '.' are allowed"));
        }
        if namespace.starts_with('.') || namespace.ends_with('.') || namespace.contains("..") {
            return Err(invalid(
                "dots may only separate non-empty parts (no leading, trailing or double dot)",
            ));
        }
        Ok(Self(namespace.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Redis channel or NATS subject this namespace's envelopes travel on.
    pub fn events_channel(&self) -> String {
        format!("{}.events", self.0)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_characters() {
        let ns = Namespace::parse("Palaver_prod-2.eu").unwrap();
        assert_eq!(ns.as_str(), "Palaver_prod-2.eu");
        assert_eq!(ns.events_channel(), "Palaver_prod-2.eu.events");
        assert!(Namespace::parse(&"a".repeat(Namespace::MAX_LEN)).is_ok());
    }

    #[test]
    fn refuses_what_would_break_a_channel_or_subject() {
        for bad in [
            "",
            "has space",
            "star*",
            "gt>",
            "slash/",
            "ünï",
            ".lead",
            "trail.",
            "dou..ble",
            "new\nline",
        ] {
            assert!(
                matches!(
                    Namespace::parse(bad),
                    Err(BusError::InvalidNamespace { .. })
                ),
                "{bad:?} was accepted"
            );
        }
        assert!(Namespace::parse(&"a".repeat(Namespace::MAX_LEN + 1)).is_err());
    }
}
