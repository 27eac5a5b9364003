//! Reactions, threads, pins, mentions and delivery markers.
//!
//! - `messages.thread_root_id`: the root of the thread a reply is in (indexed with `seq`
//!   for the thread's pages and the roots' summaries).
//! - `events.emoji`: the emoji of `reaction.added` / `reaction.removed`.
//! - `conversation_members.last_delivered_seq`, beside `last_read_seq`.
//! - `message_reactions`, `message_pins`, `message_mentions`, each going with its message.
//!
//! Emoji are compared byte for byte: on MySQL a utf8mb4 general collation would take many
//! different emoji for one another, so the column is `utf8mb4_bin`.

use crate::columns::{index_on, timestamp};
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ThreadRootId,
    Seq,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Emoji,
}

#[derive(DeriveIden)]
enum ConversationMembers {
    Table,
    LastDeliveredSeq,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MessageReactions {
    Table,
    MessageId,
    UserId,
    Emoji,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessagePins {
    Table,
    MessageId,
    ConversationId,
    PinnedBy,
    PinnedAt,
}

#[derive(DeriveIden)]
enum MessageMentions {
    Table,
    MessageId,
    UserId,
}

/// Up to 64 characters, compared exactly.
fn emoji(backend: DbBackend, name: impl IntoIden, nullable: bool) -> ColumnDef {
    let mut column = match backend {
        DbBackend::MySql => ColumnDef::new(name)
            .custom("VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            .take(),
        _ => ColumnDef::new(name).string_len(64).take(),
    };
    if nullable {
        column.null();
    } else {
        column.not_null();
    }
    column
}

fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(uuid_null(Messages::ThreadRootId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_thread_root_id_seq")
                    .table(Messages::Table)
                    .col(Messages::ThreadRootId)
                    .col(Messages::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(emoji(backend, Events::Emoji, true))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ConversationMembers::Table)
                    .add_column(big_integer(ConversationMembers::LastDeliveredSeq).default(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessageReactions::Table)
                    .col(uuid(MessageReactions::MessageId))
                    .col(uuid(MessageReactions::UserId))
                    .col(emoji(backend, MessageReactions::Emoji, false))
                    .col(timestamp(backend, MessageReactions::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MessageReactions::MessageId)
                            .col(MessageReactions::UserId)
                            .col(MessageReactions::Emoji),
                    )
                    .foreign_key(&mut cascade(
                        "fk_message_reactions_message",
                        (MessageReactions::Table, MessageReactions::MessageId),
                        (Messages::Table, Messages::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_message_reactions_user",
                        (MessageReactions::Table, MessageReactions::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(MessageReactions::Table, MessageReactions::UserId))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessagePins::Table)
                    .col(pk_uuid(MessagePins::MessageId))
                    .col(uuid(MessagePins::ConversationId))
                    .col(uuid_null(MessagePins::PinnedBy))
                    .col(timestamp(backend, MessagePins::PinnedAt))
                    .foreign_key(&mut cascade(
                        "fk_message_pins_message",
                        (MessagePins::Table, MessagePins::MessageId),
                        (Messages::Table, Messages::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_message_pins_user",
                        (MessagePins::Table, MessagePins::PinnedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_message_pins_conversation_id_pinned_at")
                    .table(MessagePins::Table)
                    .col(MessagePins::ConversationId)
                    .col(MessagePins::PinnedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(MessagePins::Table, MessagePins::PinnedBy))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MessageMentions::Table)
                    .col(uuid(MessageMentions::MessageId))
                    .col(uuid(MessageMentions::UserId))
                    .primary_key(
                        Index::create()
                            .col(MessageMentions::MessageId)
                            .col(MessageMentions::UserId),
                    )
                    .foreign_key(&mut cascade(
                        "fk_message_mentions_message",
                        (MessageMentions::Table, MessageMentions::MessageId),
                        (Messages::Table, Messages::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut cascade(
                        "fk_message_mentions_user",
                        (MessageMentions::Table, MessageMentions::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(MessageMentions::Table, MessageMentions::UserId))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MessageMentions::Table.into_iden(),
            MessagePins::Table.into_iden(),
            MessageReactions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ConversationMembers::Table)
                    .drop_column(ConversationMembers::LastDeliveredSeq)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::Emoji)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_messages_thread_root_id_seq")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::ThreadRootId)
                    .to_owned(),
            )
            .await
    }
}
