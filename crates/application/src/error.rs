use palaver_domain::conversation::policy::Refusal;
use palaver_domain::error::BoxError;
use palaver_domain::{RepositoryError, Taken, ValidationError};

/// Why a caller could not be authenticated. All of these answer 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("a bearer access token is required")]
    MissingToken,
    #[error("the access token has expired")]
    ExpiredToken,
    #[error("the access token is invalid")]
    InvalidToken,
    #[error("the session has been revoked")]
    SessionRevoked,
    #[error("the refresh token is invalid or has expired")]
    InvalidRefreshToken,
    #[error("the refresh token was already used; the session has been revoked")]
    RefreshTokenReused,
}

/// Every way a use-case can fail. The web layer maps each variant onto one status.
#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Unauthorized(#[from] AuthFailure),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{} is already taken", field.field())]
    Conflict { field: Taken },
    #[error("too many requests; retry in {retry_after:?}")]
    RateLimited { retry_after: std::time::Duration },
    /// A store or bus the use-case needs cannot be reached; worth retrying later.
    #[error("unavailable: {0}")]
    Unavailable(#[source] BoxError),
    #[error("unexpected failure: {0}")]
    Unexpected(#[source] BoxError),
}

impl ApplicationError {
    pub fn unexpected(error: impl Into<BoxError>) -> Self {
        Self::Unexpected(error.into())
    }
}

impl From<Refusal> for ApplicationError {
    fn from(refusal: Refusal) -> Self {
        Self::Forbidden(refusal.0)
    }
}

impl From<RepositoryError> for ApplicationError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Conflict { field } => Self::Conflict { field },
            RepositoryError::NotFound => Self::NotFound("record"),
            RepositoryError::Forbidden(why) => Self::Forbidden(why),
            RepositoryError::Invalid(invalid) => Self::Validation(invalid),
            RepositoryError::Unavailable(source) => Self::Unavailable(source),
            RepositoryError::Unexpected(source) => Self::Unexpected(source),
        }
    }
}

/// Maps a repository's `NotFound` to a named resource, passing other errors through.
pub(crate) fn not_found_as(what: &'static str) -> impl Fn(RepositoryError) -> ApplicationError {
    move |error| match error {
        RepositoryError::NotFound => ApplicationError::NotFound(what),
        other => other.into(),
    }
}
