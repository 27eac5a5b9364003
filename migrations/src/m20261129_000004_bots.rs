//! Bots: users gain a kind (`user` or `bot`), messages the kind of their sender, and bots
//! their long-lived tokens, stored only as SHA-256 hashes.

use crate::columns::{index_on, timestamp};
use crate::m20261121_000001_create_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsersKind {
    Kind,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    SenderKind,
}

#[derive(DeriveIden)]
enum BotTokens {
    Table,
    /// Stands in for a session id: connections opened with the token carry it.
    Id,
    /// One token per bot at a time.
    UserId,
    TokenHash,
    CreatedAt,
}

/// SHA-256 in hex.
const TOKEN_HASH_LEN: u32 = 64;
/// `user` or `bot`.
const KIND_LEN: u32 = 8;

/// A kind column for the rows already there: everyone so far is a person.
fn kind_column(name: impl IntoIden) -> ColumnDef {
    string_len(name, KIND_LEN).default("user").take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(kind_column(UsersKind::Kind))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(kind_column(Messages::SenderKind))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BotTokens::Table)
                    .col(pk_uuid(BotTokens::Id))
                    .col(uuid_uniq(BotTokens::UserId))
                    .col(char_len_uniq(BotTokens::TokenHash, TOKEN_HASH_LEN))
                    .col(timestamp(backend, BotTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_bot_tokens_user")
                            .from(BotTokens::Table, BotTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Bots are listed by kind now and then; an index keeps that off a full scan.
        manager
            .create_index(index_on(Users::Table, UsersKind::Kind))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BotTokens::Table).to_owned())
            .await?;
        // Bots go with their tokens: without a kind they would be accounts nobody can use.
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Users::Table)
                    .and_where(Expr::col(UsersKind::Kind).eq("bot"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(format!("ix_{}_{}", Users::Table.to_string(), "kind"))
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::SenderKind)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UsersKind::Kind)
                    .to_owned(),
            )
            .await
    }
}
