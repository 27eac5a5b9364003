mod admin;
mod appends;
mod attachment_loader;
mod attachments;
mod conversations;
mod messages;
mod password_resets;
mod sessions;
mod users;

pub use admin::SqlAdminDirectory;
pub(crate) use attachment_loader::load_attachments;
pub use attachments::SqlAttachmentRepository;
pub use conversations::SqlConversationRepository;
pub use messages::SqlMessageRepository;
pub use password_resets::SqlPasswordResetRepository;
pub use sessions::SqlSessionRepository;
pub use users::SqlUserRepository;
