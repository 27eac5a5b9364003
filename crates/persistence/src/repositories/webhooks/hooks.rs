//! The webhooks themselves: created, listed, deleted, enabled and disabled.

use super::rows::{webhook_from_row, webhook_row};
use crate::entities::{webhook_deliveries, webhooks};
use crate::error::{finish, map_db_err, map_insert_err};
use chrono::{DateTime, Utc};
use palaver_domain::conversation::ConversationId;
use palaver_domain::notification::{DeliveryState, Webhook, WebhookId};
use palaver_domain::{RepositoryError, Taken};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

/// A missing conversation or creator breaks a foreign key: `NotFound`.
pub async fn create(db: &DatabaseConnection, webhook: &Webhook) -> Result<(), RepositoryError> {
    webhooks::Entity::insert(webhook_row(webhook))
        .exec_without_returning(db)
        .await
        .map_err(map_insert_err(Taken::Record))?;
    Ok(())
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<Webhook>, RepositoryError> {
    webhooks::Entity::find()
        .order_by_asc(webhooks::Column::CreatedAt)
        .order_by_asc(webhooks::Column::Id)
        .all(db)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(webhook_from_row)
        .collect()
}

pub async fn get(db: &impl ConnectionTrait, id: WebhookId) -> Result<Webhook, RepositoryError> {
    webhooks::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await
        .map_err(map_db_err)?
        .map(webhook_from_row)
        .ok_or(RepositoryError::NotFound)?
}

/// Its deliveries and their attempts go with it (the foreign keys cascade).
pub async fn delete(db: &DatabaseConnection, id: WebhookId) -> Result<(), RepositoryError> {
    let deleted = webhooks::Entity::delete_by_id(id.as_uuid())
        .exec(db)
        .await
        .map_err(map_db_err)?;
    if deleted.rows_affected == 0 {
        return Err(RepositoryError::NotFound);
    }
    Ok(())
}

pub async fn set_enabled(
    db: &DatabaseConnection,
    id: WebhookId,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<Webhook, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    let result = set_enabled_in(&txn, id, enabled, now).await;
    finish(txn, result).await
}

async fn set_enabled_in(
    txn: &impl ConnectionTrait,
    id: WebhookId,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<Webhook, RepositoryError> {
    let hook = id.as_uuid();
    let update = webhooks::Entity::update_many().filter(webhooks::Column::Id.eq(hook));
    let update = if enabled {
        update
            .col_expr(
                webhooks::Column::DisabledAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(webhooks::Column::ConsecutiveFailures, Expr::value(0))
    } else {
        // Keeps the first time it was disabled.
        update
            .col_expr(webhooks::Column::DisabledAt, Expr::value(Some(now)))
            .filter(webhooks::Column::DisabledAt.is_null())
    };
    update.exec(txn).await.map_err(map_db_err)?;
    if enabled {
        // What waited out the outage (or its backoff) is due at once. Leases stay: a
        // delivery some node is sending now is not sent twice side by side.
        webhook_deliveries::Entity::update_many()
            .col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(now))
            .filter(webhook_deliveries::Column::WebhookId.eq(hook))
            .filter(webhook_deliveries::Column::State.eq(DeliveryState::Pending.as_str()))
            .exec(txn)
            .await
            .map_err(map_db_err)?;
    }
    // `NotFound` when there is no such webhook (the updates then touched nothing).
    get(txn, id).await
}

/// The enabled webhooks for every conversation and those for this one, oldest first.
pub async fn active_for(
    db: &DatabaseConnection,
    conversation: ConversationId,
) -> Result<Vec<Webhook>, RepositoryError> {
    webhooks::Entity::find()
        .filter(webhooks::Column::DisabledAt.is_null())
        .filter(
            Condition::any()
                .add(webhooks::Column::ConversationId.is_null())
                .add(webhooks::Column::ConversationId.eq(conversation.as_uuid())),
        )
        .order_by_asc(webhooks::Column::CreatedAt)
        .order_by_asc(webhooks::Column::Id)
        .all(db)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(webhook_from_row)
        .collect()
}
