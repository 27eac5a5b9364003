use super::transfer_decoding::{decode_base64, decode_quoted_printable};

/// One message as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub recipients: Vec<String>,
    /// The raw message, headers and encoded body, lines separated by CRLF.
    pub data: String,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), unfolded and trimmed. Encoded
    /// words (`=?utf-8?...?=`) are left as they are.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut value: Option<String> = None;
        for line in self.header_section().split("\r\n") {
            let is_continuation = line.starts_with([' ', '\t']);
            match (&mut value, is_continuation) {
                (Some(value), true) => value.push_str(line),
                (Some(_), false) => break,
                (None, _) => {
                    value = line
                        .split_once(':')
                        .filter(|(field, _)| field.trim().eq_ignore_ascii_case(name))
                        .map(|(_, rest)| rest.to_owned());
                }
            }
        }
        value.map(|value| value.trim().to_owned())
    }

    /// The body decoded according to its `Content-Transfer-Encoding` (7bit, 8bit,
    /// quoted-printable or base64), with line endings turned into `\n`.
    pub fn text_body(&self) -> String {
        let encoded = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let decoded = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(encoded),
            "base64" => decode_base64(encoded),
            _ => encoded.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&decoded).replace("\r\n", "\n")
    }

    fn header_section(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map_or(&self.data, |(headers, _)| headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(data: &str) -> ReceivedMail {
        ReceivedMail {
            recipients: vec!["ada@example.org".into()],
            data: data.into(),
        }
    }

    #[test]
    fn finds_a_folded_header_regardless_of_case() {
        let received = mail("To: ada@example.org\r\nSubject: Reset\r\n your password\r\n\r\nHi");

        assert_eq!(
            received.header("subject").as_deref(),
            Some("Reset your password")
        );
        assert_eq!(received.header("X-Missing"), None);
    }

    #[test]
    fn leaves_a_7bit_body_alone_even_with_equals_signs() {
        let received =
            mail("Content-Transfer-Encoding: 7bit\r\n\r\nGo to /reset?token=AB12\r\nBye");

        assert_eq!(received.text_body(), "Go to /reset?token=AB12\nBye");
    }

    #[test]
    fn decodes_a_quoted_printable_body() {
        let received = mail(
            "Content-Transfer-Encoding: quoted-printable\r\n\r\nBonjour Zo=C3=AB, a long=\r\n line=3Dkept\r\nBye",
        );

        assert_eq!(received.text_body(), "Bonjour Zoë, a long line=kept\nBye");
    }

    #[test]
    fn decodes_a_base64_body() {
        let received = mail("Content-Transfer-Encoding: base64\r\n\r\nWm/DqyBz\r\nYXlzIGhp");

        assert_eq!(received.text_body(), "Zoë says hi");
    }
}
