use crate::ValidationError;

/// When a user gets mail about messages they missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailNotifications {
    Never,
    /// Only about messages that mention them (the default).
    #[default]
    Mentions,
    All,
}

impl EmailNotifications {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "never" => Ok(Self::Never),
            "mentions" => Ok(Self::Mentions),
            "all" => Ok(Self::All),
            _ => Err(ValidationError::new(
                "email_notifications",
                "must be one of never, mentions, all",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Mentions => "mentions",
            Self::All => "all",
        }
    }
}

/// A BCP 47 language tag such as `en`, `pt-BR` or `zh-Hant-TW`: a 2-3 letter language and
/// up to four subtags of 2-8 letters or digits, 35 characters at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid =
            || ValidationError::new("locale", "must be a language tag such as en or pt-BR");
        let mut parts = raw.split('-');
        let language = parts.next().unwrap_or_default();
        if raw.len() > 35
            || !(2..=3).contains(&language.len())
            || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(invalid());
        }
        let subtags: Vec<&str> = parts.collect();
        if subtags.len() > 4
            || subtags.iter().any(|s| {
                !(2..=8).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_alphanumeric())
            })
        {
            return Err(invalid());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name such as `UTC`, `Europe/Paris` or `America/Argentina/Salta`:
/// 1 to 3 parts of letters, digits, `_`, `+` and `-`, each starting with a letter,
/// 64 characters at most. Whether the zone exists is not checked (no zone database here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let parts: Vec<&str> = raw.split('/').collect();
        let valid = raw.len() <= 64
            && (1..=3).contains(&parts.len())
            && parts.iter().all(|part| {
                part.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
            });
        if !valid {
            return Err(ValidationError::new(
                "time_zone",
                "must be an IANA time zone name such as UTC or Europe/Paris",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user's notification preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub email_notifications: EmailNotifications,
    /// How long a message waits before it goes into a digest mail (at least the push delay).
    pub email_delay_secs: u32,
    pub locale: Locale,
    pub time_zone: TimeZoneName,
}

impl Preferences {
    /// The longest `email_delay_secs` accepted: one day.
    pub const MAX_EMAIL_DELAY_SECS: u32 = 86_400;
    pub const DEFAULT_EMAIL_DELAY_SECS: u32 = 900;

    pub fn check_email_delay(secs: i64) -> Result<u32, ValidationError> {
        u32::try_from(secs)
            .ok()
            .filter(|s| *s <= Self::MAX_EMAIL_DELAY_SECS)
            .ok_or_else(|| {
                ValidationError::new(
                    "email_delay_secs",
                    format!("must be 0 to {}", Self::MAX_EMAIL_DELAY_SECS),
                )
            })
    }
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            email_notifications: EmailNotifications::default(),
            email_delay_secs: Self::DEFAULT_EMAIL_DELAY_SECS,
            locale: Locale("en".to_owned()),
            time_zone: TimeZoneName("UTC".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales() {
        for good in ["en", "pt-BR", "zh-Hant-TW", "de-CH-1996"] {
            assert!(Locale::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "en-x",
            "12",
            "en-US-a-b-c-d-e",
        ] {
            assert_eq!(Locale::parse(bad).unwrap_err().field, "locale", "{bad}");
        }
    }

    #[test]
    fn time_zones() {
        for good in [
            "UTC",
            "Europe/Paris",
            "America/Argentina/Salta",
            "Etc/GMT+5",
        ] {
            assert!(TimeZoneName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/Paris",
            "Europe/",
            "Europe Paris",
            "a/b/c/d",
            "1UTC",
            "Europe//Paris",
        ] {
            assert_eq!(
                TimeZoneName::parse(bad).unwrap_err().field,
                "time_zone",
                "{bad}"
            );
        }
    }

    #[test]
    fn email_settings() {
        assert_eq!(
            EmailNotifications::parse("all").unwrap(),
            EmailNotifications::All
        );
        assert!(EmailNotifications::parse("always").is_err());
        assert_eq!(Preferences::check_email_delay(60).unwrap(), 60);
        assert!(Preferences::check_email_delay(-1).is_err());
        assert!(Preferences::check_email_delay(86_401).is_err());
    }
}
