//! The port of bot accounts and their tokens.

use crate::RepositoryError;
use crate::auth::{Actor, BotTokenRecord, SessionId};
use crate::secret::TokenHash;
use crate::user::{User, UserId};
use async_trait::async_trait;

/// Bot users and their long-lived tokens, stored only as hashes. Every method answers
/// `Unexpected` when the store fails; other errors are listed per method.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BotRepository: Send + Sync {
    /// In one transaction: stores the bot's user row and its first token.
    /// `Conflict` of `Taken::Username` when the username is taken.
    async fn insert(&self, bot: &User, token: &BotTokenRecord) -> Result<(), RepositoryError>;

    /// The bot with this id; `None` when there is none or the user is a person.
    async fn find_bot(&self, id: UserId) -> Result<Option<User>, RepositoryError>;

    /// In one transaction: revokes (deletes) every token of the bot and stores
    /// `replacement`. Returns the ids of the revoked tokens. `NotFound` when there is no
    /// bot with that id.
    async fn replace_token(
        &self,
        replacement: &BotTokenRecord,
    ) -> Result<Vec<SessionId>, RepositoryError>;

    /// The actor behind a current token, with the bot's current role; `None` for a token
    /// never issued or revoked since.
    async fn find_actor(&self, token: &TokenHash) -> Result<Option<Actor>, RepositoryError>;
}
