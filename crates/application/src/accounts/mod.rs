//! Registration, login and the life of a session.

mod authenticate;
mod change_password;
mod confirm_password_reset;
mod login;
mod logout;
mod purge_expired_credentials;
mod refresh;
mod register;
mod request_password_reset;
mod revocation;
mod session_starter;
mod throttle;

pub use authenticate::Authenticate;
pub use change_password::{ChangePassword, ChangePasswordInput};
pub use confirm_password_reset::{ConfirmPasswordReset, ConfirmPasswordResetInput};
pub use login::{Login, LoginInput};
pub use logout::Logout;
pub use purge_expired_credentials::{PurgeExpiredCredentials, Purged};
pub use refresh::Refresh;
pub use register::{Register, RegisterInput};
pub use request_password_reset::{PasswordResetSettings, RequestPasswordReset};
pub(crate) use revocation::announce_revoked;
pub use session_starter::{AuthSession, SessionStarter};
pub use throttle::{Throttle, ThrottleLimits};
