mod admin;
mod appends;
mod conversations;
mod messages;
mod notifications;
mod password_resets;
mod sessions;
mod users;

pub use admin::SqlAdminDirectory;
pub use conversations::SqlConversationRepository;
pub use messages::SqlMessageRepository;
pub use notifications::SqlNotifications;
pub use password_resets::SqlPasswordResetRepository;
pub use sessions::SqlSessionRepository;
pub use users::SqlUserRepository;
