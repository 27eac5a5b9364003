mod password_resets;
mod sessions;
mod users;

pub use password_resets::SqlPasswordResetRepository;
pub use sessions::SqlSessionRepository;
pub use users::SqlUserRepository;
