use std::fmt;

/// A value that failed its domain rules. `field` names the input it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// What a write found already taken, so that callers react by kind, not by text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Taken {
    Username,
    Email,
    /// The sender already used this client_id (for a message elsewhere, or in flight).
    ClientId,
    /// The two users already have their direct conversation.
    DirectConversation,
    /// The user still belongs to conversations (deleting them must wait).
    Memberships,
    /// Some other unique key; a bug or a race the caller cannot name.
    Record,
    /// A named attachment was posted already (or is not the sender's, or is gone).
    Attachment,
}

impl Taken {
    /// The input field the client named it by.
    pub fn field(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::ClientId => "client_id",
            Self::DirectConversation => "member_ids",
            Self::Memberships => "memberships",
            Self::Record => "record",
            Self::Attachment => "attachment_ids",
        }
    }
}

/// Failures a repository reports. Adapters map their own errors onto these.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// A uniqueness rule was broken; `field` says what is already taken.
    #[error("{} is already taken", field.field())]
    Conflict { field: Taken },
    /// The row the operation needs does not exist (any more).
    #[error("not found")]
    NotFound,
    /// A permission re-checked inside the transaction no longer holds (the caller's role
    /// changed since the use-case looked); the reason is for the client.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// An input the store checked against the rows as they stand (a thread root in
    /// another conversation, a message that is gone) does not hold; `field` names it.
    #[error(transparent)]
    Invalid(ValidationError),
    /// The store cannot be reached: its server is down, the database is gone, the pool
    /// cannot connect. Worth retrying later.
    #[error("repository unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// Anything else: a query failed, data is corrupt.
    #[error("repository failure: {0}")]
    Unexpected(#[source] BoxError),
}

impl From<crate::conversation::policy::Refusal> for RepositoryError {
    fn from(refusal: crate::conversation::policy::Refusal) -> Self {
        Self::Forbidden(refusal.0)
    }
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl RepositoryError {
    pub fn unexpected(error: impl Into<BoxError>) -> Self {
        Self::Unexpected(error.into())
    }
}

/// An error carried as text, for adapters whose errors are not `'static` or not `Send`.
#[derive(Debug)]
pub struct Message(pub String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}
