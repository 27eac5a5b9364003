//! The digest mail: the messages of one conversation a member missed in one delay window,
//! in plain text and HTML, with unsubscribe links.

use palaver_domain::conversation::Message;

/// One message as the digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub sender: String,
    pub content: String,
}

/// Everything a digest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub conversation_name: String,
    pub lines: Vec<DigestLine>,
    /// Stops every digest mail.
    pub unsubscribe_all: String,
    /// Stops this conversation's notifications.
    pub mute_conversation: String,
}

/// The most messages one digest lists; the rest are counted.
pub const MAX_LINES: usize = 20;

impl Digest {
    pub fn lines_from(messages: &[(Message, String)]) -> Vec<DigestLine> {
        messages
            .iter()
            .filter_map(|(message, sender)| {
                message.content.as_ref().map(|content| DigestLine {
                    sender: sender.clone(),
                    content: content.as_str().to_owned(),
                })
            })
            .collect()
    }

    pub fn subject(&self) -> String {
        let n = self.lines.len();
        let noun = if n == 1 { "message" } else { "messages" };
        format!("{n} new {noun} in {}", self.conversation_name)
    }

    pub fn text(&self) -> String {
        let mut out = format!(
            "You have {} in {}:\n\n",
            self.count(),
            self.conversation_name
        );
        for line in self.lines.iter().take(MAX_LINES) {
            out.push_str(&format!("{}: {}\n", line.sender, line.content));
        }
        if self.lines.len() > MAX_LINES {
            out.push_str(&format!("... and {} more\n", self.lines.len() - MAX_LINES));
        }
        out.push_str(&format!(
            "\nStop these emails: {}\nMute this conversation: {}\n",
            self.unsubscribe_all, self.mute_conversation
        ));
        out
    }

    pub fn html(&self) -> String {
        let mut out = format!(
            "<!doctype html><html><body><p>You have {} in <strong>{}</strong>:</p><ul>",
            self.count(),
            escape(&self.conversation_name)
        );
        for line in self.lines.iter().take(MAX_LINES) {
            out.push_str(&format!(
                "<li><strong>{}</strong>: {}</li>",
                escape(&line.sender),
                escape(&line.content)
            ));
        }
        out.push_str("</ul>");
        if self.lines.len() > MAX_LINES {
            out.push_str(&format!(
                "<p>... and {} more</p>",
                self.lines.len() - MAX_LINES
            ));
        }
        out.push_str(&format!(
            "<p><a href=\"{}\">Stop these emails</a> · <a href=\"{}\">Mute this conversation</a></p></body></html>",
            escape(&self.unsubscribe_all),
            escape(&self.mute_conversation)
        ));
        out
    }

    fn count(&self) -> String {
        let n = self.lines.len();
        format!("{n} new {}", if n == 1 { "message" } else { "messages" })
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_messages_and_the_links_and_html_is_escaped() {
        let digest = Digest {
            conversation_name: "team <core>".into(),
            lines: vec![DigestLine {
                sender: "ann".into(),
                content: "<script>x</script> & hi".into(),
            }],
            unsubscribe_all: "https://chat.example.org/u?token=a".into(),
            mute_conversation: "https://chat.example.org/u?token=b".into(),
        };
        assert_eq!(digest.subject(), "1 new message in team <core>");
        let text = digest.text();
        assert!(text.contains("ann: <script>x</script> & hi"));
        assert!(text.contains("token=a") && text.contains("token=b"));
        let html = digest.html();
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt; &amp; hi"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"https://chat.example.org/u?token=a\""));
    }
}
