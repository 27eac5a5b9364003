//! Attachments: files in object storage, uploaded first and then posted with a message.

use crate::columns::{index_on, timestamp, timestamp_null};
use crate::m20261121_000001_create_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    /// NULL once the uploader's account is deleted.
    UploaderId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Width,
    Height,
    StorageKey,
    /// Set for images that got a thumbnail.
    ThumbnailKey,
    /// NULL until posted; NULL again if the message's conversation is deleted (then the
    /// collector removes it like one never posted).
    MessageId,
    CreatedAt,
    /// Set when its message is deleted: the row stays until its objects are gone.
    DeletedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(pk_uuid(Attachments::Id))
                    .col(uuid_null(Attachments::UploaderId))
                    .col(string_len(Attachments::Filename, 1024))
                    .col(string_len(Attachments::ContentType, 255))
                    .col(big_integer(Attachments::Size))
                    .col(char_len(Attachments::Sha256, 64))
                    .col(integer_null(Attachments::Width))
                    .col(integer_null(Attachments::Height))
                    .col(string_len(Attachments::StorageKey, 512))
                    .col(string_len_null(Attachments::ThumbnailKey, 512))
                    .col(uuid_null(Attachments::MessageId))
                    .col(timestamp(backend, Attachments::CreatedAt))
                    .col(timestamp_null(backend, Attachments::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attachments_uploader")
                            .from(Attachments::Table, Attachments::UploaderId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attachments_message")
                            .from(Attachments::Table, Attachments::MessageId)
                            .to(Messages::Table, Messages::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // A page of messages loads its attachments by message; the collector finds the
        // unposted by age and the deleted by their mark.
        for column in [
            Attachments::UploaderId.into_iden(),
            Attachments::MessageId.into_iden(),
            Attachments::CreatedAt.into_iden(),
            Attachments::DeletedAt.into_iden(),
        ] {
            manager
                .create_index(index_on(Attachments::Table, column))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}
