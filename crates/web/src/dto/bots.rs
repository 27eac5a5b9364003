use super::FieldErrors;
use super::users::UserResponse;
use crate::error::ApiError;
use palaver_application::bots::{CreateBotInput, CreatedBot};
use palaver_application::users::UserProfile;
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{PersonName, Username, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/bots`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBotRequest {
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9_.-]+$")]
    pub username: String,
    /// The display name, shown as the bot's `first_name`: 1 to 64 characters.
    #[schema(
        pattern = r"^\s*[^\x00-\x1f\x7f-\x9f\s](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x1f\x7f-\x9f\s])?\s*$"
    )]
    pub name: String,
}

impl CreateBotRequest {
    pub fn try_into_domain(self) -> Result<CreateBotInput, ApiError> {
        let mut errors = FieldErrors::default();
        let username = errors.check(Username::parse(&self.username));
        let name = errors.check(PersonName::parse("name", &self.name));
        errors.finish(|| {
            Some(CreateBotInput {
                username: username?,
                name: name?,
            })
        })
    }
}

/// A new bot and its token. The token is shown this once; keep it secret and send it as
/// `Authorization: Bot <token>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedBotResponse {
    pub bot: UserResponse,
    pub token: String,
}

impl CreatedBotResponse {
    pub fn new(created: CreatedBot, viewer: Viewer) -> Self {
        let profile = UserProfile {
            user: created.bot,
            online: false,
        };
        Self {
            bot: UserResponse::for_viewer(profile, viewer),
            token: created.token.expose().to_owned(),
        }
    }
}

/// A bot's new token; the one before it no longer works.
#[derive(Debug, Serialize, ToSchema)]
pub struct BotTokenResponse {
    pub token: String,
}

impl From<SecretToken> for BotTokenResponse {
    fn from(token: SecretToken) -> Self {
        Self {
            token: token.expose().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_reported_and_unknown_fields_refused() {
        let request: CreateBotRequest =
            serde_json::from_str(r#"{"username": "x", "name": "  "}"#).unwrap();
        let text = format!("{}", request.try_into_domain().unwrap_err());
        for field in ["username", "name"] {
            assert!(text.contains(field), "{text} should mention {field}");
        }
        assert!(
            serde_json::from_str::<CreateBotRequest>(
                r#"{"username": "echo", "name": "Echo", "role": "admin"}"#
            )
            .is_err()
        );
    }
}
