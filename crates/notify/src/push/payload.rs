//! The push payload (API.md v1.1 details), cut to fit.

use serde::Serialize;

/// The most a payload may weigh before encryption. RFC 8291 adds 103 bytes (header and
/// tag) to a single record, and push services take 4096 bytes of encrypted body, so the
/// plaintext stays below both that and the contract's 4 KB.
pub const MAX_PAYLOAD_BYTES: usize = 3993;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PushSender {
    pub id: String,
    pub username: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PushPayload {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub conversation_id: String,
    pub conversation_name: Option<String>,
    pub sender: Option<PushSender>,
    pub preview: String,
    pub seq: i64,
    pub unread_count: i64,
}

impl PushPayload {
    /// The JSON, the preview cut (at a character boundary, with an ellipsis) so that the
    /// whole stays within [`MAX_PAYLOAD_BYTES`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut payload = self.clone();
        loop {
            let bytes = serde_json::to_vec(&payload).unwrap_or_default();
            if bytes.len() <= MAX_PAYLOAD_BYTES || payload.preview.is_empty() {
                return bytes;
            }
            // Escaped characters weigh up to twice their bytes in JSON: cutting half the
            // excess each round converges in a few rounds without cutting too much.
            let over = bytes.len() - MAX_PAYLOAD_BYTES;
            let mut keep = payload
                .preview
                .trim_end_matches('…')
                .len()
                .saturating_sub(over / 2 + 3);
            while !payload.preview.is_char_boundary(keep) {
                keep -= 1;
            }
            payload.preview.truncate(keep);
            if keep > 0 {
                payload.preview.push('…');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(preview: String) -> PushPayload {
        PushPayload {
            kind: "message.created",
            conversation_id: uuid::Uuid::nil().to_string(),
            conversation_name: Some("general".into()),
            sender: Some(PushSender {
                id: uuid::Uuid::nil().to_string(),
                username: "ann".into(),
            }),
            preview,
            seq: 7,
            unread_count: 2,
        }
    }

    #[test]
    fn a_short_preview_is_kept_whole() {
        let bytes = payload("hello".into()).to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["preview"], "hello");
        assert_eq!(value["type"], "message.created");
        assert_eq!(value["sender"]["username"], "ann");
    }

    #[test]
    fn a_long_preview_is_cut_to_fit_even_with_escapes_and_multibyte_text() {
        for text in ["é".repeat(4000), "\"".repeat(4000), "😀".repeat(1000)] {
            let bytes = payload(text).to_bytes();
            assert!(bytes.len() <= MAX_PAYLOAD_BYTES, "{}", bytes.len());
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(value["preview"].as_str().unwrap().ends_with('…'));
        }
    }
}
