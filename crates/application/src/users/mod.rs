//! Finding people and managing profiles.

mod admin_delete_user;
mod admin_update_user;
mod delete_account;
mod get_user;
mod list_online_users;
mod presence;
mod search_users;
mod set_global_role;
mod update_profile;

pub use admin_delete_user::AdminDeleteUser;
pub use admin_update_user::AdminUpdateUser;
pub use delete_account::DeleteAccount;
pub use get_user::GetUser;
pub use list_online_users::ListOnlineUsers;
pub use presence::UserProfile;
pub(crate) use presence::with_presence;
pub use search_users::{MAX_QUERY_LEN, SearchUsers};
pub use set_global_role::SetGlobalRole;
pub use update_profile::{UpdateProfile, UpdateProfileInput};
