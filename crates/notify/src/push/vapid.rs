//! The VAPID key pair (P-256) and the ES256 token that authorizes each push (RFC 8292).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use palaver_domain::error::BoxError;
use serde::Serialize;

/// The server's application-server key pair.
#[derive(Clone)]
pub struct VapidKeys {
    encoding: EncodingKey,
    /// The uncompressed public key, base64url: `{key}` of `GET /api/push/vapid-public-key`
    /// and the `k` of each authorization.
    public: String,
}

impl std::fmt::Debug for VapidKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKeys")
            .field("public", &self.public)
            .finish()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: i64,
    sub: &'a str,
}

impl VapidKeys {
    /// A new private key, base64url (32 bytes), to be stored.
    pub fn generate_private() -> String {
        loop {
            let bytes: [u8; 32] = rand::random();
            // Nearly every 32-byte string is a valid scalar; the rest are drawn again.
            if p256::SecretKey::from_slice(&bytes).is_ok() {
                return URL_SAFE_NO_PAD.encode(bytes);
            }
        }
    }

    /// The pair from its private key, base64url (32 bytes).
    pub fn from_private(private: &str) -> Result<Self, BoxError> {
        let bytes = URL_SAFE_NO_PAD.decode(private.trim_end_matches('='))?;
        let secret = p256::SecretKey::from_slice(&bytes)?;
        let der = secret.to_pkcs8_der()?;
        let public = secret.public_key().as_affine().to_encoded_point(false);
        Ok(Self {
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            public: URL_SAFE_NO_PAD.encode(public.as_bytes()),
        })
    }

    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// `Authorization: vapid t=<ES256 JWT>, k=<public key>` for a push to `endpoint`'s
    /// origin, valid for 12 hours.
    pub fn authorization(&self, origin: &str, subject: &str) -> Result<String, BoxError> {
        let claims = Claims {
            aud: origin,
            exp: chrono::Utc::now().timestamp() + 12 * 3600,
            sub: subject,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.encoding)?;
        Ok(format!("vapid t={token}, k={}", self.public))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn the_token_verifies_with_the_public_key() {
        let keys = VapidKeys::from_private(&VapidKeys::generate_private()).unwrap();
        let header = keys
            .authorization("https://push.example.org", "mailto:a@b.c")
            .unwrap();
        let token = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split(", k=").next())
            .unwrap();
        let public = URL_SAFE_NO_PAD.decode(keys.public_key()).unwrap();
        assert_eq!(public.len(), 65);
        let key = DecodingKey::from_ec_components(
            &URL_SAFE_NO_PAD.encode(&public[1..33]),
            &URL_SAFE_NO_PAD.encode(&public[33..]),
        )
        .unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://push.example.org"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["sub"], "mailto:a@b.c");
    }

    #[test]
    fn a_bad_private_key_is_refused() {
        assert!(VapidKeys::from_private("not a key").is_err());
        assert!(VapidKeys::from_private(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
    }
}
