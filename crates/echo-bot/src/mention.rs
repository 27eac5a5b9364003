//! Whether a message mentions the bot: `@username`, case-insensitively, ending where
//! username characters (`A-Z a-z 0-9 _ . -`) end, and not inside an email address.

fn is_username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

pub fn mentions(content: &str, username: &str) -> bool {
    let mut rest = content;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find('@') {
        let preceding = rest[..at].chars().next_back().or(before);
        let after = &rest[at + 1..];
        let name: String = after.chars().take_while(|c| is_username_char(*c)).collect();
        // A trailing dot ends a sentence, not the name.
        let name = name.trim_end_matches('.');
        if !preceding.is_some_and(is_username_char) && name.eq_ignore_ascii_case(username) {
            return true;
        }
        before = Some('@');
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_by_name_regardless_of_case() {
        for content in [
            "@echo-bot hi",
            "hi @Echo-Bot!",
            "ping @echo-bot.",
            "(@echo-bot)",
        ] {
            assert!(mentions(content, "echo-bot"), "{content}");
        }
        for content in [
            "hi",
            "@echo-bots hi",
            "mail me@echo-bot",
            "@echo",
            "echo-bot",
        ] {
            assert!(!mentions(content, "echo-bot"), "{content}");
        }
    }
}
