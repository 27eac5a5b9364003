//! Palaver's schema, as sea-orm migrations that run up and down on SQLite, PostgreSQL and
//! MySQL/MariaDB, and the one way every binary connects to the database.

mod columns;
mod connect;
mod m20261121_000001_create_users;
mod m20261121_000002_create_sessions;
mod m20261121_000003_create_conversations;
mod m20261129_000001_create_attachments;
mod m20261129_000002_rich_messages;
mod m20261129_000003_notifications;
mod m20261129_000004_bots;
mod m20261207_000001_webhooks;
mod m20261207_000002_push_retry_targets;
mod m20261207_000003_deferred_search_index;

pub use connect::{ConnectSettings, connect};
pub use m20261207_000003_deferred_search_index::{ANY_PENDING, INDEX_PENDING};
pub use sea_orm_migration::MigratorTrait;

use sea_orm_migration::prelude::*;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_sessions::Migration),
            Box::new(m20261121_000003_create_conversations::Migration),
            Box::new(m20261129_000001_create_attachments::Migration),
            Box::new(m20261129_000002_rich_messages::Migration),
            Box::new(m20261129_000003_notifications::Migration),
            Box::new(m20261129_000004_bots::Migration),
            Box::new(m20261207_000001_webhooks::Migration),
            Box::new(m20261207_000002_push_retry_targets::Migration),
            Box::new(m20261207_000003_deferred_search_index::Migration),
        ]
    }
}

#[cfg(feature = "testing")]
pub mod testing;
