//! Rules every free text shares, whatever the backend stores it in: no NUL and no other
//! C0 control character but tab and newline. PostgreSQL refuses NUL in text, SQLite's
//! full-text parser stops at it, MySQL keeps it; refusing them here answers the same on all.

use crate::ValidationError;

/// Whether `c` may appear in free text: anything but the C0 controls (U+0000 to U+001F),
/// tab and newline excepted.
pub fn is_allowed_in_text(c: char) -> bool {
    c >= ' ' || matches!(c, '\t' | '\n')
}

/// `Err` naming `field` when `text` holds a character [`is_allowed_in_text`] refuses.
pub fn reject_control_characters(field: &'static str, text: &str) -> Result<(), ValidationError> {
    if text.chars().all(is_allowed_in_text) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must not contain NUL or other control characters (tab and newline excepted)",
        ))
    }
}

/// A search query (`q`): trimmed, 1 to `max_len` characters, free text's rules. How a
/// full-text engine reads it is the adapter's business, which must escape it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery(String);

impl SearchQuery {
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, ValidationError> {
        let text = raw.trim();
        if text.is_empty() || text.chars().count() > max_len {
            return Err(ValidationError::new(
                "q",
                format!("must be 1 to {max_len} characters"),
            ));
        }
        reject_control_characters("q", text)?;
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_controls_are_refused_but_tab_and_newline() {
        for bad in ["a\0b", "\u{1}", "x\u{1b}[31m", "a\rb", "\u{1f}"] {
            let refused = reject_control_characters("content", bad).unwrap_err();
            assert_eq!(refused.field, "content", "{bad:?}");
        }
        for good in ["a\tb", "line\nline", "caf\u{e9} \u{1f600}", "del\u{7f}"] {
            assert!(
                reject_control_characters("content", good).is_ok(),
                "{good:?}"
            );
        }
    }

    #[test]
    fn queries_are_trimmed_bounded_and_clean() {
        assert_eq!(SearchQuery::parse("  hi  ", 10).unwrap().as_str(), "hi");
        for bad in ["", "   ", "a\0b", "elevenchars"] {
            assert_eq!(
                SearchQuery::parse(bad, 10).unwrap_err().field,
                "q",
                "{bad:?}"
            );
        }
    }
}
