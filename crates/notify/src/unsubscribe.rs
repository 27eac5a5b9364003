//! Unsubscribe links that work without logging in: a token naming the user (and the
//! conversation, for "mute this conversation"), signed with HMAC-SHA256 under a key only
//! the server holds.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use palaver_domain::conversation::ConversationId;
use palaver_domain::user::UserId;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a valid token unsubscribes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe {
    pub user: UserId,
    /// `None`: every digest mail (`email_notifications` becomes `never`). `Some`: that
    /// conversation's notifications (its level becomes `none`).
    pub conversation: Option<ConversationId>,
}

/// Signs and checks unsubscribe tokens.
#[derive(Clone)]
pub struct UnsubscribeTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for UnsubscribeTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsubscribeTokens(<key>)")
    }
}

impl UnsubscribeTokens {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// A new random key, base64url, to be stored.
    pub fn generate_key() -> String {
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length.
        HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    pub fn sign(&self, what: Unsubscribe) -> String {
        let mut data = what.user.as_uuid().as_bytes().to_vec();
        if let Some(conversation) = what.conversation {
            data.extend_from_slice(conversation.as_uuid().as_bytes());
        }
        let mut mac = self.mac();
        mac.update(&data);
        data.extend_from_slice(&mac.finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(data)
    }

    /// The token's meaning, or `None` when it is malformed or its signature is wrong.
    pub fn verify(&self, token: &str) -> Option<Unsubscribe> {
        let data = URL_SAFE_NO_PAD.decode(token).ok()?;
        if data.len() != 48 && data.len() != 64 {
            return None;
        }
        let (signed, tag) = data.split_at(data.len() - 32);
        let mut mac = self.mac();
        mac.update(signed);
        mac.verify_slice(tag).ok()?;
        let uuid = |bytes: &[u8]| uuid::Uuid::from_slice(bytes).ok();
        Some(Unsubscribe {
            user: UserId::from_uuid(uuid(&signed[..16])?),
            conversation: match signed.len() {
                32 => Some(ConversationId::from_uuid(uuid(&signed[16..])?)),
                _ => None,
            },
        })
    }
}

impl palaver_domain::ports::UnsubscribeLinks for UnsubscribeTokens {
    fn verify(&self, token: &str) -> Option<(UserId, Option<ConversationId>)> {
        UnsubscribeTokens::verify(self, token).map(|what| (what.user, what.conversation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let tokens = UnsubscribeTokens::new(b"key");
        for what in [
            Unsubscribe {
                user: UserId::generate(),
                conversation: None,
            },
            Unsubscribe {
                user: UserId::generate(),
                conversation: Some(ConversationId::generate()),
            },
        ] {
            let token = tokens.sign(what);
            assert_eq!(tokens.verify(&token), Some(what));
            assert_eq!(UnsubscribeTokens::new(b"other").verify(&token), None);
            let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
            bytes[3] ^= 1;
            assert_eq!(tokens.verify(&URL_SAFE_NO_PAD.encode(bytes)), None);
        }
        assert_eq!(tokens.verify("garbage!"), None);
        assert_eq!(tokens.verify(""), None);
    }
}
