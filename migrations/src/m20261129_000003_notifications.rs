//! Notifications for people who are offline: the consumers' cursors over the committed
//! events, pending notifications (so that a restart loses none), Web Push subscriptions,
//! preferences, per-conversation levels and the server's generated secrets.

use crate::columns::{index_on, timestamp, timestamp_null};
use crate::m20261121_000001_create_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ConversationMembers {
    Table,
    ConversationId,
    UserId,
}

#[derive(DeriveIden)]
enum EventConsumers {
    Table,
    Name,
    RegisteredAt,
}

#[derive(DeriveIden)]
enum EventCursors {
    Table,
    Consumer,
    ConversationId,
    Seq,
}

#[derive(DeriveIden)]
enum PendingNotifications {
    Table,
    Id,
    UserId,
    ConversationId,
    Channel,
    FirstSeq,
    LastSeq,
    Mentioned,
    DueAt,
    Attempts,
}

#[derive(DeriveIden)]
enum PushSubscriptions {
    Table,
    Id,
    UserId,
    Endpoint,
    P256dh,
    Auth,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UserPreferences {
    Table,
    UserId,
    EmailNotifications,
    EmailDelaySecs,
    Locale,
    TimeZone,
}

#[derive(DeriveIden)]
enum ConversationNotificationSettings {
    Table,
    ConversationId,
    UserId,
    Level,
    MutedUntil,
}

#[derive(DeriveIden)]
enum ServerSecrets {
    Table,
    Name,
    Value,
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
                    .table(EventConsumers::Table)
                    .col(string_len(EventConsumers::Name, 64).primary_key())
                    .col(timestamp(backend, EventConsumers::RegisteredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventCursors::Table)
                    .col(string_len(EventCursors::Consumer, 64))
                    .col(uuid(EventCursors::ConversationId))
                    .col(big_integer(EventCursors::Seq).default(0))
                    .primary_key(
                        Index::create()
                            .col(EventCursors::Consumer)
                            .col(EventCursors::ConversationId),
                    )
                    .foreign_key(&mut foreign_key(
                        "fk_event_cursors_conversation",
                        (EventCursors::Table, EventCursors::ConversationId),
                        (Conversations::Table, Conversations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(EventCursors::Table, EventCursors::ConversationId))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PendingNotifications::Table)
                    .col(pk_uuid(PendingNotifications::Id))
                    .col(uuid(PendingNotifications::UserId))
                    .col(uuid(PendingNotifications::ConversationId))
                    .col(string_len(PendingNotifications::Channel, 8))
                    .col(big_integer(PendingNotifications::FirstSeq))
                    .col(big_integer(PendingNotifications::LastSeq))
                    .col(boolean(PendingNotifications::Mentioned).default(false))
                    .col(timestamp(backend, PendingNotifications::DueAt))
                    .col(integer(PendingNotifications::Attempts).default(0))
                    .foreign_key(&mut foreign_key(
                        "fk_pending_notifications_user",
                        (PendingNotifications::Table, PendingNotifications::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_pending_notifications_conversation",
                        (
                            PendingNotifications::Table,
                            PendingNotifications::ConversationId,
                        ),
                        (Conversations::Table, Conversations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One per user, conversation and channel; it leads with user_id, so it serves
        // the user foreign key too.
        manager
            .create_index(
                Index::create()
                    .name("ux_pending_notifications_user_conversation_channel")
                    .table(PendingNotifications::Table)
                    .col(PendingNotifications::UserId)
                    .col(PendingNotifications::ConversationId)
                    .col(PendingNotifications::Channel)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                PendingNotifications::Table,
                PendingNotifications::ConversationId,
            ))
            .await?;
        manager
            .create_index(index_on(
                PendingNotifications::Table,
                PendingNotifications::DueAt,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PushSubscriptions::Table)
                    .col(pk_uuid(PushSubscriptions::Id))
                    .col(uuid(PushSubscriptions::UserId))
                    .col(text(PushSubscriptions::Endpoint))
                    .col(string_len(PushSubscriptions::P256dh, 100))
                    .col(string_len(PushSubscriptions::Auth, 40))
                    .col(timestamp(backend, PushSubscriptions::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_push_subscriptions_user",
                        (PushSubscriptions::Table, PushSubscriptions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                PushSubscriptions::Table,
                PushSubscriptions::UserId,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserPreferences::Table)
                    .col(pk_uuid(UserPreferences::UserId))
                    .col(string_len(UserPreferences::EmailNotifications, 16))
                    .col(integer(UserPreferences::EmailDelaySecs))
                    .col(string_len(UserPreferences::Locale, 35))
                    .col(string_len(UserPreferences::TimeZone, 64))
                    .foreign_key(&mut foreign_key(
                        "fk_user_preferences_user",
                        (UserPreferences::Table, UserPreferences::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        // Keyed like the membership it refines, and gone with it.
        manager
            .create_table(
                Table::create()
                    .table(ConversationNotificationSettings::Table)
                    .col(uuid(ConversationNotificationSettings::ConversationId))
                    .col(uuid(ConversationNotificationSettings::UserId))
                    .col(string_len(ConversationNotificationSettings::Level, 16))
                    .col(timestamp_null(
                        backend,
                        ConversationNotificationSettings::MutedUntil,
                    ))
                    .primary_key(
                        Index::create()
                            .col(ConversationNotificationSettings::ConversationId)
                            .col(ConversationNotificationSettings::UserId),
                    )
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_conversation_notification_settings_member")
                            .from_tbl(ConversationNotificationSettings::Table)
                            .from_col(ConversationNotificationSettings::ConversationId)
                            .from_col(ConversationNotificationSettings::UserId)
                            .to_tbl(ConversationMembers::Table)
                            .to_col(ConversationMembers::ConversationId)
                            .to_col(ConversationMembers::UserId)
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServerSecrets::Table)
                    .col(string_len(ServerSecrets::Name, 64).primary_key())
                    .col(text(ServerSecrets::Value))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServerSecrets::Table.into_iden(),
            ConversationNotificationSettings::Table.into_iden(),
            UserPreferences::Table.into_iden(),
            PushSubscriptions::Table.into_iden(),
            PendingNotifications::Table.into_iden(),
            EventCursors::Table.into_iden(),
            EventConsumers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
