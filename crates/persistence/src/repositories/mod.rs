mod admin;
mod appends;
mod attachment_filter;
mod conversations;
mod mentions;
mod message_marks;
mod message_reads;
mod message_search;
mod messages;
mod password_resets;
mod sessions;
mod users;

pub use admin::SqlAdminDirectory;
pub use conversations::SqlConversationRepository;
pub use messages::SqlMessageRepository;
pub use password_resets::SqlPasswordResetRepository;
pub use sessions::SqlSessionRepository;
pub use users::SqlUserRepository;
