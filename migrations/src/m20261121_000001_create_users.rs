use crate::columns::{timestamp, timestamp_null};
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    UsernameKey,
    Email,
    Phone,
    FirstName,
    LastName,
    AvatarUrl,
    Role,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
    LastSeenAt,
}

/// The email address, lower-cased by the domain and compared exactly. On MySQL a plain
/// VARCHAR takes the database's collation, which also ignores accents (`josé@` would be
/// `jose@`, a false conflict and a look-up finding someone else's account);
/// utf8mb4_bin compares the characters themselves.
fn email(backend: DbBackend) -> ColumnDef {
    match backend {
        DbBackend::MySql => ColumnDef::new(Users::Email)
            .custom("VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            .null()
            .take(),
        _ => string_len_null(Users::Email, 254),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len(Users::Username, 32))
                    // lower-cased username: uniqueness and look-ups ignore case
                    .col(string_len(Users::UsernameKey, 32))
                    .col(email(backend))
                    .col(string_len_null(Users::Phone, 24))
                    .col(string_len_null(Users::FirstName, 64))
                    .col(string_len_null(Users::LastName, 64))
                    .col(string_len_null(Users::AvatarUrl, 2048))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(timestamp(backend, Users::CreatedAt))
                    .col(timestamp(backend, Users::UpdatedAt))
                    .col(timestamp_null(backend, Users::LastSeenAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_username_key")
                    .table(Users::Table)
                    .col(Users::UsernameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_email")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
