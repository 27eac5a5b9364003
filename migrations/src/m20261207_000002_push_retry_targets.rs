//! A pending push remembers which of the user's subscriptions still owe it, so that a
//! retry goes to those only and not again to devices that already showed it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PendingNotifications {
    Table,
    /// Comma-separated subscription ids; NULL: every subscription of the user.
    RetrySubscriptionIds,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PendingNotifications::Table)
                    .add_column(
                        ColumnDef::new(PendingNotifications::RetrySubscriptionIds)
                            .text()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PendingNotifications::Table)
                    .drop_column(PendingNotifications::RetrySubscriptionIds)
                    .to_owned(),
            )
            .await
    }
}
