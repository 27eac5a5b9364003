//! The SeaORM adapter: table entities (kept apart from the mapping code) and repository
//! implementations of the domain's ports. No sea_orm type crosses this crate's API.

mod annotations;
mod announcer;
mod credentials;
mod database;
mod entities;
mod error;
mod event_log;
mod health;
mod mapping;
mod repositories;

pub use announcer::EventAnnouncer;
pub use database::{Database, ExecutedStatement, PoolUsage};
pub use health::SqlDatabaseHealth;
pub use palaver_migrations::ConnectSettings;
pub use repositories::SqlBotRepository;
pub use repositories::SqlNotifications;
pub use repositories::SqlWebhooks;
pub use repositories::{
    SqlAdminDirectory, SqlAttachmentRepository, SqlConversationRepository, SqlMessageRepository,
    SqlPasswordResetRepository, SqlSessionRepository, SqlUserRepository,
};
