//! Bot accounts: created by global admins, authenticated by a long-lived token of their
//! own (`Authorization: Bot <token>`), otherwise using the same API as people.

mod authenticate_bot;
mod create_bot;
mod delete_bot;
mod reissue_bot_token;

pub use authenticate_bot::AuthenticateBot;
pub use create_bot::{CreateBot, CreateBotInput, CreatedBot};
pub use delete_bot::DeleteBot;
pub use reissue_bot_token::ReissueBotToken;

use chrono::{DateTime, Utc};
use palaver_domain::auth::{BotTokenRecord, SessionId};
use palaver_domain::ports::SecretGenerator;
use palaver_domain::secret::SecretToken;
use palaver_domain::user::UserId;

/// A fresh token for `bot` and the record that stores only its hash. The token is 256
/// random bits, so a plain SHA-256 of it is as good as a slow password hash: there is
/// nothing to guess from the hash, and looking it up stays one indexed read per request.
pub(crate) fn new_token(
    secrets: &dyn SecretGenerator,
    bot: UserId,
    now: DateTime<Utc>,
) -> (SecretToken, BotTokenRecord) {
    let token = secrets.generate();
    let record = BotTokenRecord {
        id: SessionId::generate(),
        bot_id: bot,
        token_hash: token.hash(),
        created_at: now,
    };
    (token, record)
}
