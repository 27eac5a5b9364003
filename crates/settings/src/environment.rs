//! Which kind of deployment this is, from `PALAVER_ENV`.

use crate::SettingsError;
use std::fmt;

/// `development`, `test` or `production`, read case-insensitively. Anything else is
/// refused: a typo must not quietly skip production's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    #[default]
    Development,
    Test,
    Production,
}

impl Environment {
    pub fn parse(raw: &str) -> Result<Self, SettingsError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "development" => Ok(Self::Development),
            "test" => Ok(Self::Test),
            "production" => Ok(Self::Production),
            _ => Err(SettingsError::Invalid(format!(
                "PALAVER_ENV must be development, test or production, not {raw:?}"
            ))),
        }
    }

    /// The name of its settings file, `config/<name>.toml`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_names_are_read_in_any_case_and_nothing_else() {
        let cases = [
            ("production", Environment::Production),
            ("Production", Environment::Production),
            ("PRODUCTION", Environment::Production),
            (" test ", Environment::Test),
            ("Development", Environment::Development),
        ];
        for (raw, expected) in cases {
            assert_eq!(Environment::parse(raw).unwrap(), expected, "{raw}");
        }
        for raw in ["prod", "productoin", "", "staging", "dev"] {
            let refused = Environment::parse(raw).unwrap_err().to_string();
            assert!(refused.contains("PALAVER_ENV"), "{raw}: {refused}");
        }
    }
}
