use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use palaver_domain::auth::{AccessClaims, AccessToken, AccessTokenError, SessionId};
use palaver_domain::ports::TokenIssuer;
use palaver_domain::user::UserId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The JWT body: standard `sub`, `iat`, `exp` and Palaver's session id `sid`.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    sid: Uuid,
    iat: i64,
    exp: i64,
}

/// HS256 access tokens with a fixed lifetime. Expiry is checked against the injected
/// clock, not the system's, so it is testable.
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtIssuer {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl: Duration::seconds(i64::try_from(ttl_secs).unwrap_or(i64::MAX / 1000)),
        }
    }
}

impl TokenIssuer for JwtIssuer {
    fn issue(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, AccessTokenError> {
        let claims = Claims {
            sub: user_id.as_uuid(),
            sid: session_id.as_uuid(),
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AccessTokenError::Signing(e.to_string()))?;
        Ok(AccessToken {
            token,
            expires_in_secs: u64::try_from(self.ttl.num_seconds()).unwrap_or(0),
        })
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, AccessTokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AccessTokenError::Expired,
                _ => AccessTokenError::Invalid,
            })?;
        let claims = data.claims;
        let issued_at = DateTime::from_timestamp(claims.iat, 0).ok_or(AccessTokenError::Invalid)?;
        let expires_at =
            DateTime::from_timestamp(claims.exp, 0).ok_or(AccessTokenError::Invalid)?;
        if now >= expires_at {
            return Err(AccessTokenError::Expired);
        }
        Ok(AccessClaims {
            user_id: UserId::from_uuid(claims.sub),
            session_id: SessionId::from_uuid(claims.sid),
            issued_at,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap()
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let issuer = JwtIssuer::new(b"secret-for-tests", 900);
        let (user, session) = (UserId::generate(), SessionId::generate());
        let token = issuer.issue(user, session, now()).unwrap();
        assert_eq!(token.expires_in_secs, 900);
        let claims = issuer
            .verify(&token.token, now() + Duration::seconds(899))
            .unwrap();
        assert_eq!((claims.user_id, claims.session_id), (user, session));
        assert_eq!(claims.expires_at, now() + Duration::seconds(900));
        assert_eq!(
            issuer.verify(&token.token, now() + Duration::seconds(900)),
            Err(AccessTokenError::Expired)
        );
    }

    #[test]
    fn tokens_signed_with_another_secret_or_tampered_with_are_invalid() {
        let issuer = JwtIssuer::new(b"secret-for-tests", 900);
        let forger = JwtIssuer::new(b"another-secret", 900);
        let forged = forger
            .issue(UserId::generate(), SessionId::generate(), now())
            .unwrap();
        assert_eq!(
            issuer.verify(&forged.token, now()),
            Err(AccessTokenError::Invalid)
        );

        let genuine = issuer
            .issue(UserId::generate(), SessionId::generate(), now())
            .unwrap();
        let mut parts: Vec<String> = genuine.token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert_eq!(
            issuer.verify(&parts.join("."), now()),
            Err(AccessTokenError::Invalid)
        );
        assert_eq!(
            issuer.verify("not-a-jwt", now()),
            Err(AccessTokenError::Invalid)
        );
    }

    #[test]
    fn the_none_algorithm_is_refused() {
        let issuer = JwtIssuer::new(b"secret-for-tests", 900);
        // header {"alg":"none","typ":"JWT"}, a plausible body, no signature
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCJzaWQiOiIwMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCJpYXQiOjE3NTAwMDAwMDAsImV4cCI6OTk5OTk5OTk5OX0.";
        assert_eq!(
            issuer.verify(unsigned, now()),
            Err(AccessTokenError::Invalid)
        );
    }
}
