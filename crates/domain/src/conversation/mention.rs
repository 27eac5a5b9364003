//! `@username` mentions in a message's content.
//!
//! The one reading of a mention: the message view stores the mentioned members' ids, and
//! the notification pipeline lets a mention through to a member whose level is `mentions`.
//! Both go through [`mentioned_usernames`], so they never disagree.

use crate::user::Username;

/// The canonical (lower-case) usernames mentioned in `content`, each once, in order of
/// first mention.
///
/// A mention is `@` followed by a username, where the `@` starts the text or follows a
/// character that cannot be part of a username (so `ann@example.com` mentions nobody).
/// Trailing `.` and `-` are sentence punctuation, not part of the name (`@bob.` is bob).
/// Whether the name belongs to a member is for the caller to decide.
pub fn mentioned_usernames(content: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let bytes = content.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'@' || (index > 0 && is_username_byte(bytes[index - 1])) {
            index += 1;
            continue;
        }
        let start = index + 1;
        let mut end = start;
        while end < bytes.len() && is_username_byte(bytes[end]) {
            end += 1;
        }
        index = end.max(start);
        let name = content[start..end].trim_end_matches(['.', '-']);
        if let Ok(username) = Username::parse(name) {
            let canonical = username.canonical();
            if !found.contains(&canonical) {
                found.push(canonical);
            }
        }
    }
    found
}

fn is_username_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-')
}

#[cfg(test)]
mod tests {
    use super::mentioned_usernames;

    #[test]
    fn mentions_are_read_as_the_contract_says() {
        let cases: &[(&str, &[&str])] = &[
            ("hi @ann", &["ann"]),
            ("@ann and @Bob_2, see @ann", &["ann", "bob_2"]),
            ("thanks @bob.", &["bob"]),
            ("@carol-, @dave...", &["carol", "dave"]),
            ("(@eve) @frank!", &["eve", "frank"]),
            ("mail ann@example.com", &[]),
            ("@ab is too short, @ alone, @@", &[]),
            ("a.b-c@x", &[]),
            ("@j.smith-jr wrote", &["j.smith-jr"]),
            ("@été not ascii", &[]),
            ("café@ann: the é is not a username char", &["ann"]),
            ("@abcdefghijklmnopqrstuvwxyz0123456789 too long", &[]),
        ];
        for (content, expected) in cases {
            assert_eq!(
                &mentioned_usernames(content),
                expected,
                "content {content:?}"
            );
        }
    }
}
