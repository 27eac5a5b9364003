use palaver_application::accounts::{
    Authenticate, ChangePassword, ConfirmPasswordReset, Login, Logout, Refresh, Register,
    RequestPasswordReset,
};
use palaver_application::users::{
    AdminDeleteUser, AdminUpdateUser, DeleteAccount, GetUser, ListOnlineUsers, SearchUsers,
    UpdateProfile,
};
use palaver_domain::ports::DatabaseHealth;
use std::sync::Arc;

/// Settings the HTTP layer itself needs.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The largest JSON body accepted, in bytes.
    pub max_body_bytes: usize,
}

/// Everything the handlers use, built once at start-up and shared by every worker.
#[derive(Clone)]
pub struct AppState {
    pub register: Arc<Register>,
    pub login: Arc<Login>,
    pub refresh: Arc<Refresh>,
    pub logout: Arc<Logout>,
    pub change_password: Arc<ChangePassword>,
    pub request_password_reset: Arc<RequestPasswordReset>,
    pub confirm_password_reset: Arc<ConfirmPasswordReset>,
    pub authenticate: Arc<Authenticate>,
    pub get_user: Arc<GetUser>,
    pub search_users: Arc<SearchUsers>,
    pub list_online_users: Arc<ListOnlineUsers>,
    pub update_profile: Arc<UpdateProfile>,
    pub admin_update_user: Arc<AdminUpdateUser>,
    pub delete_account: Arc<DeleteAccount>,
    pub admin_delete_user: Arc<AdminDeleteUser>,
    pub database_health: Arc<dyn DatabaseHealth>,
    pub settings: WebSettings,
}
