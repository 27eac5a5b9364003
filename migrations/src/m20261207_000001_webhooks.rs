//! Webhooks: where committed events are POSTed, each event's delivery to each webhook
//! (its body fixed once, sent in seq order per webhook and conversation) and the attempts
//! made at it.

use crate::columns::{index_on, timestamp, timestamp_null};
use crate::m20261121_000001_create_users::Users;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    /// The event type names, comma-separated, in the order given.
    Events,
    /// Only this conversation's events; every conversation's when NULL.
    ConversationId,
    Secret,
    CreatedBy,
    CreatedAt,
    DisabledAt,
    ConsecutiveFailures,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    ConversationId,
    Seq,
    EventType,
    Body,
    /// `pending`, `delivered` or `failed`.
    State,
    Attempts,
    NextAttemptAt,
    /// Set while a node is sending it; free again once past.
    LeaseUntil,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    AttemptedAt,
    Status,
    Error,
    DurationMs,
}

const URL_LEN: u32 = 2048;
const SECRET_LEN: u32 = 255;
const EVENT_TYPE_LEN: u32 = 64;
const STATE_LEN: u32 = 16;
/// Longer error texts are cut to this many characters when stored.
const ERROR_LEN: u32 = 500;

/// A body, sent byte for byte: MySQL's TEXT stops at 64 KiB, so it gets MEDIUMTEXT.
fn body(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DbBackend::MySql => column.custom("MEDIUMTEXT"),
        _ => column.text(),
    };
    column.not_null().take()
}

fn foreign_key(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(pk_uuid(Webhooks::Id))
                    .col(string_len(Webhooks::Url, URL_LEN))
                    .col(text(Webhooks::Events))
                    .col(uuid_null(Webhooks::ConversationId))
                    .col(string_len(Webhooks::Secret, SECRET_LEN))
                    .col(uuid(Webhooks::CreatedBy))
                    .col(timestamp(backend, Webhooks::CreatedAt))
                    .col(timestamp_null(backend, Webhooks::DisabledAt))
                    .col(integer(Webhooks::ConsecutiveFailures).default(0))
                    .foreign_key(&mut foreign_key(
                        "fk_webhooks_conversation",
                        (Webhooks::Table, Webhooks::ConversationId),
                        (Conversations::Table, Conversations::Id),
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_webhooks_created_by",
                        (Webhooks::Table, Webhooks::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(Webhooks::Table, Webhooks::ConversationId))
            .await?;
        manager
            .create_index(index_on(Webhooks::Table, Webhooks::CreatedBy))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(pk_uuid(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(uuid(WebhookDeliveries::ConversationId))
                    .col(big_integer(WebhookDeliveries::Seq))
                    .col(string_len(WebhookDeliveries::EventType, EVENT_TYPE_LEN))
                    .col(body(backend, WebhookDeliveries::Body))
                    .col(string_len(WebhookDeliveries::State, STATE_LEN))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp(backend, WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_null(backend, WebhookDeliveries::LeaseUntil))
                    .col(timestamp(backend, WebhookDeliveries::CreatedAt))
                    .col(timestamp_null(backend, WebhookDeliveries::FinishedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_webhook_deliveries_webhook",
                        (WebhookDeliveries::Table, WebhookDeliveries::WebhookId),
                        (Webhooks::Table, Webhooks::Id),
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_webhook_deliveries_conversation",
                        (WebhookDeliveries::Table, WebhookDeliveries::ConversationId),
                        (Conversations::Table, Conversations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One delivery per webhook and event; it leads with webhook_id, so it serves the
        // webhook foreign key too.
        manager
            .create_index(
                Index::create()
                    .name("ux_webhook_deliveries_webhook_conversation_seq")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::ConversationId)
                    .col(WebhookDeliveries::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The claim: what is due, then whether an older one of its webhook and
        // conversation is still pending (the head of the line).
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_state_next_attempt_at")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::State)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_line")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::ConversationId)
                    .col(WebhookDeliveries::State)
                    .col(WebhookDeliveries::Seq)
                    .to_owned(),
            )
            .await?;
        // The log, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_webhook_created_at")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                WebhookDeliveries::Table,
                WebhookDeliveries::ConversationId,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(pk_uuid(WebhookAttempts::Id))
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(timestamp(backend, WebhookAttempts::AttemptedAt))
                    .col(integer_null(WebhookAttempts::Status))
                    .col(string_len_null(WebhookAttempts::Error, ERROR_LEN))
                    .col(big_integer(WebhookAttempts::DurationMs))
                    .foreign_key(&mut foreign_key(
                        "fk_webhook_attempts_delivery",
                        (WebhookAttempts::Table, WebhookAttempts::DeliveryId),
                        (WebhookDeliveries::Table, WebhookDeliveries::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Serves the foreign key and a delivery's attempts, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_delivery_id")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .col(WebhookAttempts::AttemptedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
