use crate::realtime::GatewaySettings;
use palaver_application::accounts::{
    Authenticate, ChangePassword, ConfirmPasswordReset, Login, Logout, Refresh, Register,
    RequestPasswordReset,
};
use palaver_application::admin::{GetStats, ListAllConversations};
use palaver_application::attachments::{GetAttachment, OpenAttachment, UploadAttachment};
use palaver_application::conversations::{
    AddMembers, ChangeMemberRole, CreateConversation, DeleteConversation, GetConversation,
    ListConversations, ListEvents, ListMembers, MoveMarker, RemoveMember, RenameConversation,
    SetTyping,
};
use palaver_application::messages::{
    DeleteMessage, EditMessage, ListMessages, ListPins, ListThread, PinMessage, React,
    SearchMessages, SendMessage,
};
use palaver_application::notifications::{
    DeletePushSubscription, GetPreferences, SetConversationNotifications, SubscribePush,
    Unsubscribe, UpdatePreferences,
};
use palaver_application::users::{
    AdminDeleteUser, AdminUpdateUser, DeleteAccount, GetUser, ListOnlineUsers, SearchUsers,
    UpdateProfile,
};
use palaver_domain::ports::DatabaseHealth;
use palaver_realtime::Hub;
use std::sync::Arc;

/// Settings the HTTP layer itself needs.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The largest JSON body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Peers whose `X-Forwarded-For` names the client (for throttling by address).
    pub trusted_proxies: Vec<std::net::IpAddr>,
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
    pub create_conversation: Arc<CreateConversation>,
    pub list_conversations: Arc<ListConversations>,
    pub get_conversation: Arc<GetConversation>,
    pub rename_conversation: Arc<RenameConversation>,
    pub delete_conversation: Arc<DeleteConversation>,
    pub list_members: Arc<ListMembers>,
    pub add_members: Arc<AddMembers>,
    pub change_member_role: Arc<ChangeMemberRole>,
    pub remove_member: Arc<RemoveMember>,
    pub mark_read: Arc<MoveMarker>,
    pub set_typing: Arc<SetTyping>,
    pub list_events: Arc<ListEvents>,
    pub send_message: Arc<SendMessage>,
    pub list_messages: Arc<ListMessages>,
    pub edit_message: Arc<EditMessage>,
    pub delete_message: Arc<DeleteMessage>,
    pub search_messages: Arc<SearchMessages>,
    pub list_all_conversations: Arc<ListAllConversations>,
    pub get_stats: Arc<GetStats>,
    pub bots: crate::routes::bots::BotUseCases,
    pub webhooks: crate::routes::webhooks::WebhookUseCases,
    pub react: Arc<React>,
    pub pin_message: Arc<PinMessage>,
    pub list_pins: Arc<ListPins>,
    pub list_thread: Arc<ListThread>,
    pub mark_delivered: Arc<MoveMarker>,
    pub database_health: Arc<dyn DatabaseHealth>,
    pub subscribe_push: Arc<SubscribePush>,
    pub delete_push_subscription: Arc<DeletePushSubscription>,
    pub get_preferences: Arc<GetPreferences>,
    pub update_preferences: Arc<UpdatePreferences>,
    pub set_conversation_notifications: Arc<SetConversationNotifications>,
    pub unsubscribe: Arc<Unsubscribe>,
    /// The VAPID public key, base64url.
    pub vapid_public_key: Arc<str>,
    pub hub: Hub,
    pub gateway: GatewaySettings,
    pub settings: WebSettings,
    pub upload_attachment: Arc<UploadAttachment>,
    pub get_attachment: Arc<GetAttachment>,
    pub open_attachment: Arc<OpenAttachment>,
}
