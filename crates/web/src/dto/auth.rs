use super::FieldErrors;
use super::users::UserResponse;
use crate::error::ApiError;
use palaver_application::accounts::{
    AuthSession, ChangePasswordInput, ConfirmPasswordResetInput, LoginInput, RegisterInput,
};
use palaver_application::users::UserProfile;
use palaver_domain::secret::SecretToken;
use palaver_domain::user::{EmailAddress, Password, PersonName, PhoneNumber, Username, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9_.-]+$")]
    pub username: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// Blank counts as absent.
    #[schema(
        pattern = r"^\s*(?:[!-;=?A-~]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)?\s*$"
    )]
    pub email: Option<String>,
    #[schema(
        pattern = r"^\s*(?:[^\x00-\x1f\x7f-\x9f\s](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x1f\x7f-\x9f\s])?)?\s*$"
    )]
    pub first_name: Option<String>,
    #[schema(
        pattern = r"^\s*(?:[^\x00-\x1f\x7f-\x9f\s](?:[^\x00-\x1f\x7f-\x9f]{0,62}[^\x00-\x1f\x7f-\x9f\s])?)?\s*$"
    )]
    pub last_name: Option<String>,
    /// 5 to 20 digits, optionally starting with `+`; spaces, `-`, `.` and brackets ignored.
    #[schema(pattern = r"^\s*(?:\+?[ ().-]*(?:[0-9][ ().-]*){5,20})?\s*$")]
    pub phone: Option<String>,
}

impl RegisterRequest {
    pub fn try_into_domain(self) -> Result<RegisterInput, ApiError> {
        let mut errors = FieldErrors::default();
        let username = errors.check(Username::parse(&self.username));
        let password = errors.check(Password::parse("password", &self.password));
        let email = errors.check_optional(self.email.as_deref(), EmailAddress::parse);
        let first_name = errors.check_optional(self.first_name.as_deref(), |n| {
            PersonName::parse("first_name", n)
        });
        let last_name = errors.check_optional(self.last_name.as_deref(), |n| {
            PersonName::parse("last_name", n)
        });
        let phone = errors.check_optional(self.phone.as_deref(), PhoneNumber::parse);
        errors.finish(|| {
            Some(RegisterInput {
                username: username?,
                password: password?,
                email,
                first_name,
                last_name,
                phone,
            })
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// A username or an email address.
    pub username: String,
    pub password: String,
}

impl LoginRequest {
    pub fn into_domain(self, client: Option<std::net::IpAddr>) -> LoginInput {
        LoginInput {
            login: self.username,
            password: Password::offered(&self.password),
            client,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

impl ChangePasswordRequest {
    pub fn try_into_domain(self) -> Result<ChangePasswordInput, ApiError> {
        let mut errors = FieldErrors::default();
        let new_password = errors.check(Password::parse("new_password", &self.new_password));
        errors.finish(|| {
            Some(ChangePasswordInput {
                current_password: Password::offered(&self.current_password),
                new_password: new_password?,
            })
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    #[schema(
        pattern = r"^\s*[!-;=?A-~]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\s*$"
    )]
    pub email: String,
}

impl PasswordResetRequest {
    pub fn try_into_domain(self) -> Result<EmailAddress, ApiError> {
        EmailAddress::parse(&self.email).map_err(|e| ApiError::validation(vec![e]))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirmRequest {
    pub token: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

impl PasswordResetConfirmRequest {
    pub fn try_into_domain(self) -> Result<ConfirmPasswordResetInput, ApiError> {
        let mut errors = FieldErrors::default();
        let new_password = errors.check(Password::parse("new_password", &self.new_password));
        errors.finish(|| {
            Some(ConfirmPasswordResetInput {
                token: SecretToken::presented(self.token),
                new_password: new_password?,
            })
        })
    }
}

/// `{"user", "access_token", "refresh_token", "token_type": "Bearer", "expires_in"}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Session)]
pub struct SessionResponse {
    pub user: UserResponse,
    /// A short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque; exchange it at `POST /api/auth/refresh`.
    pub refresh_token: String,
    #[schema(value_type = String, pattern = "^Bearer$")]
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
}

impl From<AuthSession> for SessionResponse {
    fn from(session: AuthSession) -> Self {
        let viewer = Viewer {
            user_id: session.user.id,
            role: session.user.role,
        };
        Self {
            user: UserResponse::for_viewer(
                UserProfile {
                    user: session.user,
                    online: false,
                },
                viewer,
            ),
            access_token: session.access_token,
            refresh_token: session.refresh_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: session.expires_in_secs,
        }
    }
}
