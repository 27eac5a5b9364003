//! Sessions, refresh tokens, access tokens and password-reset tokens.

use crate::id::uuid_id;
use crate::secret::TokenHash;
use crate::user::{Role, UserId, UserKind};
use chrono::{DateTime, Utc};

uuid_id!(
    /// One session (a login on one device).
    SessionId
);

/// One login on one device. Revoking it ends its refresh tokens and its access tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A refresh token as stored: only its hash, which session it renews and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub token_hash: TokenHash,
    pub session_id: SessionId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What happened when a refresh token was presented for rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationOutcome {
    /// The token was current; it is now spent and the replacement is stored.
    Rotated { session: Session },
    /// The token had already been spent: somebody holds a copy. This rotation revoked the
    /// whole session, which is the user's.
    ReuseDetected {
        session_id: SessionId,
        user_id: UserId,
    },
    /// The token is past its expiry.
    Expired,
    /// The token's session was revoked earlier (logout, password change ...).
    SessionRevoked,
    /// No such token was ever issued.
    Unknown,
}

/// The identity behind a valid access token (or bot token), as the request handlers see
/// it. For a bot, `session_id` is the id of the bot token it presented: revoking the token
/// closes the connections opened with it, as ending a session does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub role: Role,
    pub kind: UserKind,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_bot(&self) -> bool {
        self.kind.is_bot()
    }
}

/// A bot's long-lived token as stored: only its hash. Its id stands in for a session id
/// (see [`Actor`]). A bot has one token at a time; issuing a new one revokes the old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotTokenRecord {
    pub id: SessionId,
    pub bot_id: UserId,
    pub token_hash: TokenHash,
    pub created_at: DateTime<Utc>,
}

/// The claims of a verified access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A freshly signed access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_in_secs: u64,
}

/// Why an access token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessTokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
    #[error("access token could not be signed: {0}")]
    Signing(String),
}

/// A password-reset token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetRecord {
    pub token_hash: TokenHash,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
