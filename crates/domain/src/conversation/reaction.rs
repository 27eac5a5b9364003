//! Reactions: which emoji a member put on a message.

use crate::ValidationError;
use unicode_segmentation::UnicodeSegmentation;

/// What a reaction is: one emoji (one grapheme cluster the Unicode emoji list knows, skin
/// tones and variation selectors included) or a `:short_code:` of 2 to 32 characters
/// `[a-z0-9_+-]`. Compared exactly, as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmojiKey(String);

impl EmojiKey {
    /// The longest an emoji key is stored as, in characters (a ZWJ family or a tag flag
    /// runs to a dozen code points; a short code to 34).
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let refuse = || {
            ValidationError::new(
                "emoji",
                "must be one emoji or a :short_code: of 2 to 32 characters a-z, 0-9, _, + or -",
            )
        };
        if let Some(code) = raw
            .strip_prefix(':')
            .and_then(|rest| rest.strip_suffix(':'))
        {
            let valid = (2..=32).contains(&code.len())
                && code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b));
            return if valid {
                Ok(Self(raw.to_owned()))
            } else {
                Err(refuse())
            };
        }
        let one_cluster = raw.graphemes(true).count() == 1;
        if one_cluster && raw.chars().count() <= Self::MAX_CHARS && emojis::get(raw).is_some() {
            Ok(Self(raw.to_owned()))
        } else {
            Err(refuse())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for EmojiKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmojiKey;

    #[test]
    fn one_emoji_or_a_short_code() {
        for good in [
            "👍",
            "❤️",
            "👍🏽",
            "👨‍👩‍👧‍👦",
            "🇫🇷",
            ":thumbsup:",
            ":+1:",
            ":a-b_c:",
            ":ab:",
        ] {
            assert_eq!(EmojiKey::parse(good).unwrap().as_str(), good, "{good}");
        }
        for bad in [
            "",
            "a",
            "ab",
            "👍👍",
            "👍 ",
            ":a:",
            ":Thumbs:",
            ":has space:",
            "::",
            ":thumbsup",
            "<script>",
            &format!(":{}:", "a".repeat(33)),
        ] {
            assert_eq!(EmojiKey::parse(bad).unwrap_err().field, "emoji", "{bad:?}");
        }
    }
}
