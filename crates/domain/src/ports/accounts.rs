//! Ports of the accounts side: users, sessions, reset tokens, hashing, tokens.

use crate::RepositoryError;
use crate::auth::{
    AccessClaims, AccessToken, AccessTokenError, Actor, PasswordResetRecord, RefreshTokenRecord,
    RotationOutcome, Session, SessionId,
};
use crate::error::BoxError;
use crate::secret::{SecretToken, TokenHash};
use crate::user::{EmailAddress, Password, PasswordHash, User, UserId, UserPatch, Username};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A page request for a keyset-paginated user search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSearch {
    /// Matches anywhere in username, first name or last name, case-insensitively.
    pub text: Option<String>,
    /// Continue after this canonical (lower-cased) username.
    pub after_username: Option<String>,
    pub limit: u64,
}

/// Users, keyed by id, with unique canonical usernames and unique emails. Every method
/// answers `Unexpected` when the store fails; other errors are listed per method.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user. `Conflict` of `Taken::Username` or `Taken::Email` when either is taken.
    async fn insert(&self, user: &User) -> Result<(), RepositoryError>;

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;

    /// Looks a username up regardless of case.
    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, RepositoryError>;

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<User>, RepositoryError>;

    /// Users ordered by canonical username, at most `limit` of them.
    async fn search(&self, search: &UserSearch) -> Result<Vec<User>, RepositoryError>;

    /// The users with these ids that still exist, in no particular order.
    async fn find_many(&self, ids: &[UserId]) -> Result<Vec<User>, RepositoryError>;

    /// In one statement, writes only the fields the patch names (and `updated_at`, when it
    /// names any), so concurrent edits of different fields never undo each other. A new
    /// email address also spends the account's outstanding reset tokens. Returns the user
    /// as stored. `NotFound` if the user is gone; `Conflict` as for `insert`.
    async fn apply_patch(
        &self,
        id: UserId,
        patch: &UserPatch,
        now: DateTime<Utc>,
    ) -> Result<User, RepositoryError>;

    /// In one transaction: sets the password hash, revokes every session of the user
    /// except `keep` and spends their outstanding reset tokens. Returns the revoked session
    /// ids. `NotFound` if the user is gone.
    async fn change_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionId>, RepositoryError>;

    /// Sets `last_seen_at`; a user who no longer exists is not an error (they may have
    /// deleted their account while connected).
    async fn record_last_seen(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepositoryError>;

    /// Deletes the user and, with them, their sessions and reset tokens. `NotFound` if
    /// the user is already gone; `Conflict { field: Taken::Memberships }` while they still
    /// belong to a conversation (checked with the user's row locked, so nobody can add them
    /// meanwhile): they must leave first, with events, rather than vanish by cascade.
    async fn delete(&self, id: UserId) -> Result<(), RepositoryError>;
}

/// Sessions and the refresh tokens that renew them. Every method answers `Unexpected` when
/// the store fails.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session with its first refresh token. `Conflict` if the session id or
    /// token hash exists already (never, with fresh ids and random tokens).
    async fn create(
        &self,
        session: &Session,
        first_token: &RefreshTokenRecord,
    ) -> Result<(), RepositoryError>;

    /// In one transaction: spends `presented` and stores `replacement` for the same
    /// session. A token spent before (a copy is in someone else's hands) revokes the whole
    /// session. Two concurrent rotations of one token never both succeed.
    async fn rotate(
        &self,
        presented: &TokenHash,
        replacement_hash: &TokenHash,
        replacement_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RotationOutcome, RepositoryError>;

    /// The actor behind a session that exists and is not revoked, with the user's current
    /// role; `None` otherwise.
    async fn find_active_actor(&self, id: SessionId) -> Result<Option<Actor>, RepositoryError>;

    /// Revokes one session; returns false if it was already revoked or never existed.
    async fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> Result<bool, RepositoryError>;

    /// Deletes refresh tokens past their expiry, then the sessions left without any
    /// token: nothing can renew them any more. Returns how many sessions went.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError>;
}

/// Single-use password-reset tokens. Every method answers `Unexpected` when the store fails.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordResetRepository: Send + Sync {
    /// `NotFound` if the user no longer exists.
    async fn insert(&self, record: &PasswordResetRecord) -> Result<(), RepositoryError>;

    /// Whether the token exists, is unspent and unexpired: a cheap check before the costly
    /// password hash. `redeem` decides for good.
    async fn is_usable(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<bool, RepositoryError>;

    /// Deletes tokens that are spent or past their expiry; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError>;

    /// In one transaction: spends the token if it exists, is unspent and unexpired, sets
    /// the user's password hash and revokes all their sessions. Returns the user and the
    /// revoked sessions, or `None` when the token cannot be used.
    async fn redeem(
        &self,
        token: &TokenHash,
        new_hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(UserId, Vec<SessionId>)>, RepositoryError>;
}

/// Hashes and checks passwords. Implementations must not block the async workers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError>;

    /// Whether `password` matches `hash`. A malformed hash is an error.
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError>;

    /// A valid hash of a password nobody knows, made at the same cost as real ones, so that
    /// checking a login for an unknown user costs what checking a wrong password does.
    fn dummy_hash(&self) -> PasswordHash;
}

/// Signs and verifies short-lived access tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    fn issue(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, AccessTokenError>;

    /// `Expired` once `now` is past the expiry; `Invalid` for anything forged or garbled.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, AccessTokenError>;
}

/// Makes unguessable opaque tokens (256 bits of randomness).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SecretGenerator: Send + Sync {
    fn generate(&self) -> SecretToken;
}
