mod admin;
mod appends;
mod bots;
mod conversations;
mod messages;
mod password_resets;
mod sessions;
mod users;

pub use admin::SqlAdminDirectory;
pub use bots::SqlBotRepository;
pub use conversations::SqlConversationRepository;
pub use messages::SqlMessageRepository;
pub use password_resets::SqlPasswordResetRepository;
pub use sessions::SqlSessionRepository;
pub use users::SqlUserRepository;
