//! The delivery queue: enqueued per event and webhook, claimed head of line per webhook
//! and conversation under a lease, settled by each attempt; and its log.

use super::rows::{attempt_from_row, attempt_row, count_to_row, delivery_from_row, delivery_row};
use crate::entities::{webhook_attempts, webhook_deliveries, webhooks};
use crate::error::{discard, finish, map_db_err};
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::notification::{
    AttemptOutcome, DeliveryRecord, DeliveryState, DueDelivery, WebhookAttempt, WebhookDelivery,
    WebhookId,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use std::collections::HashMap;

/// Rows per enqueuing statement (12 placeholders each).
const ENQUEUE_CHUNK: usize = 50;

/// Most deliveries one claim takes: each costs a conditional update.
const CLAIM_LIMIT: u64 = 100;

type Deliveries = webhook_deliveries::Entity;
type Column = webhook_deliveries::Column;

/// Ignores a delivery that exists already (by id, or by webhook, conversation and seq);
/// on MySQL by updating its id to itself.
fn ignoring_duplicates() -> OnConflict {
    OnConflict::new().do_nothing_on([Column::Id]).to_owned()
}

fn is_broken_reference(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// One statement per chunk. Should a chunk name a webhook or conversation deleted since
/// (a broken foreign key), its rows are stored one by one and those left out: the event
/// has nowhere to go any more.
pub async fn enqueue(
    db: &DatabaseConnection,
    deliveries: &[WebhookDelivery],
) -> Result<(), RepositoryError> {
    for chunk in deliveries.chunks(ENQUEUE_CHUNK) {
        let stored = Deliveries::insert_many(chunk.iter().map(delivery_row))
            .on_conflict(ignoring_duplicates())
            .try_insert()
            .exec_without_returning(db)
            .await;
        match stored {
            Ok(_) => {}
            Err(error) if is_broken_reference(&error) => enqueue_each(db, chunk).await?,
            Err(error) => return Err(map_db_err(error)),
        }
    }
    Ok(())
}

async fn enqueue_each(
    db: &DatabaseConnection,
    deliveries: &[WebhookDelivery],
) -> Result<(), RepositoryError> {
    for delivery in deliveries {
        let stored = Deliveries::insert(delivery_row(delivery))
            .on_conflict(ignoring_duplicates())
            .try_insert()
            .exec_without_returning(db)
            .await;
        match stored {
            Ok(_) => {}
            Err(error) if is_broken_reference(&error) => {
                tracing::debug!(
                    delivery = %delivery.id,
                    webhook = %delivery.webhook_id,
                    "webhook or conversation gone; delivery dropped"
                );
            }
            Err(error) => return Err(map_db_err(error)),
        }
    }
    Ok(())
}

/// One read of the candidates (pending, due, not leased, of an enabled webhook, with no
/// older pending delivery of the same webhook and conversation), then one conditional
/// update per candidate that leases it only while it is still free: a candidate another
/// node leased in between is left out.
pub async fn claim_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DueDelivery>, RepositoryError> {
    let pending = DeliveryState::Pending.as_str();
    let earlier = Alias::new("earlier");
    let older_pending = Query::select()
        .expr(Expr::val(1))
        .from_as(webhook_deliveries::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), Column::WebhookId))
                .equals((webhook_deliveries::Entity, Column::WebhookId)),
        )
        .and_where(
            Expr::col((earlier.clone(), Column::ConversationId))
                .equals((webhook_deliveries::Entity, Column::ConversationId)),
        )
        .and_where(Expr::col((earlier.clone(), Column::State)).eq(pending))
        .and_where(
            Expr::col((earlier, Column::Seq))
                .lt(Expr::col((webhook_deliveries::Entity, Column::Seq))),
        )
        .to_owned();
    let candidates = Deliveries::find()
        .find_also_related(webhooks::Entity)
        .filter(Column::State.eq(pending))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(lease_free(now))
        .filter(webhooks::Column::DisabledAt.is_null())
        .filter(Expr::not_exists(older_pending))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::CreatedAt)
        .limit(Ord::min(limit, CLAIM_LIMIT))
        .all(db)
        .await
        .map_err(map_db_err)?;

    let mut claimed = Vec::with_capacity(candidates.len());
    for (row, hook) in candidates {
        let Some(hook) = hook else { continue };
        let leased = Deliveries::update_many()
            .col_expr(Column::LeaseUntil, Expr::value(Some(lease_until)))
            .filter(Column::Id.eq(row.id))
            .filter(Column::State.eq(pending))
            .filter(Column::NextAttemptAt.lte(now))
            .filter(lease_free(now))
            .exec(db)
            .await
            .map_err(map_db_err)?;
        if leased.rows_affected == 1 {
            claimed.push(DueDelivery {
                delivery: delivery_from_row(row)?,
                url: hook.url,
                secret: hook.secret,
            });
        }
    }
    claimed.sort_by_key(|due| (due.delivery.conversation_id, due.delivery.seq));
    Ok(claimed)
}

/// Not leased, or leased until a time now past.
fn lease_free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::LeaseUntil.is_null())
        .add(Column::LeaseUntil.lt(now))
}

/// In one transaction: the delivery settled (its row locked first, so that a webhook
/// deleted meanwhile waits or is seen gone), the attempt stored, the webhook's failures
/// counted or forgotten and, at `disable_after` in a row, the webhook disabled.
pub async fn record_attempt(
    db: &DatabaseConnection,
    delivery: &WebhookDelivery,
    attempt: &WebhookAttempt,
    outcome: AttemptOutcome,
    disable_after: u32,
) -> Result<bool, RepositoryError> {
    let txn = db.begin().await.map_err(map_db_err)?;
    match settle(&txn, delivery, attempt, outcome).await {
        Ok(true) => {}
        Ok(false) => {
            // The delivery is gone with its webhook: nothing to record.
            discard(txn).await;
            return Ok(false);
        }
        Err(error) => return finish(txn, Err(error)).await,
    }
    let result = async {
        webhook_attempts::Entity::insert(attempt_row(attempt))
            .exec_without_returning(&txn)
            .await
            .map_err(map_db_err)?;
        count_outcome(&txn, delivery.webhook_id, attempt, disable_after).await
    }
    .await;
    finish(txn, result).await
}

/// Counts the attempt and frees the lease (which locks the row), then applies the outcome
/// if the delivery is still pending: an attempt from a node whose lease ran out, at a
/// delivery another node has settled since, changes no state. Whether it still exists.
async fn settle(
    txn: &impl ConnectionTrait,
    delivery: &WebhookDelivery,
    attempt: &WebhookAttempt,
    outcome: AttemptOutcome,
) -> Result<bool, RepositoryError> {
    let id = delivery.id.as_uuid();
    let counted = Deliveries::update_many()
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if counted.rows_affected == 0 {
        return Ok(false);
    }
    let update = Deliveries::update_many()
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(DeliveryState::Pending.as_str()));
    let finished = |update: sea_orm::UpdateMany<Deliveries>, state: DeliveryState| {
        update
            .col_expr(Column::State, Expr::value(state.as_str()))
            .col_expr(Column::FinishedAt, Expr::value(Some(attempt.attempted_at)))
    };
    let update = match outcome {
        AttemptOutcome::Delivered => finished(update, DeliveryState::Delivered),
        AttemptOutcome::GiveUp => finished(update, DeliveryState::Failed),
        AttemptOutcome::RetryAt(at) => update.col_expr(Column::NextAttemptAt, Expr::value(at)),
    };
    update.exec(txn).await.map_err(map_db_err)?;
    Ok(true)
}

/// Forgets the webhook's failures on success, counts one more on failure and disables it
/// when they reach `disable_after` (0: never); whether this call disabled it.
async fn count_outcome(
    txn: &impl ConnectionTrait,
    webhook: WebhookId,
    attempt: &WebhookAttempt,
    disable_after: u32,
) -> Result<bool, RepositoryError> {
    let id = webhook.as_uuid();
    let failures = webhooks::Column::ConsecutiveFailures;
    let counted = if attempt.succeeded() {
        Expr::value(0)
    } else {
        Expr::col(failures).add(1)
    };
    webhooks::Entity::update_many()
        .col_expr(failures, counted)
        .filter(webhooks::Column::Id.eq(id))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    if attempt.succeeded() || disable_after == 0 {
        return Ok(false);
    }
    let disabled = webhooks::Entity::update_many()
        .col_expr(
            webhooks::Column::DisabledAt,
            Expr::value(Some(attempt.attempted_at)),
        )
        .filter(webhooks::Column::Id.eq(id))
        .filter(webhooks::Column::DisabledAt.is_null())
        .filter(failures.gte(count_to_row(disable_after)))
        .exec(txn)
        .await
        .map_err(map_db_err)?;
    Ok(disabled.rows_affected == 1)
}

/// One statement; their attempts go with them (`ON DELETE CASCADE`).
pub async fn forget_finished(
    db: &DatabaseConnection,
    before: DateTime<Utc>,
) -> Result<u64, RepositoryError> {
    let deleted = Deliveries::delete_many()
        .filter(Column::State.ne(DeliveryState::Pending.as_str()))
        .filter(Column::FinishedAt.lt(before))
        .exec(db)
        .await
        .map_err(map_db_err)?;
    Ok(deleted.rows_affected)
}

/// Three statements: the webhook's existence, its newest deliveries, their attempts.
pub async fn log(
    db: &DatabaseConnection,
    id: WebhookId,
    limit: u64,
) -> Result<Vec<DeliveryRecord>, RepositoryError> {
    let exists = webhooks::Entity::find_by_id(id.as_uuid())
        .select_only()
        .column(webhooks::Column::Id)
        .into_tuple::<uuid::Uuid>()
        .one(db)
        .await
        .map_err(map_db_err)?;
    if exists.is_none() {
        return Err(RepositoryError::NotFound);
    }
    let rows = Deliveries::find()
        .filter(Column::WebhookId.eq(id.as_uuid()))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Seq)
        .limit(limit)
        .all(db)
        .await
        .map_err(map_db_err)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let attempts = webhook_attempts::Entity::find()
        .filter(webhook_attempts::Column::DeliveryId.is_in(rows.iter().map(|row| row.id)))
        .order_by_desc(webhook_attempts::Column::AttemptedAt)
        .order_by_desc(webhook_attempts::Column::Id)
        .all(db)
        .await
        .map_err(map_db_err)?;
    let mut by_delivery: HashMap<uuid::Uuid, Vec<WebhookAttempt>> = HashMap::new();
    for attempt in attempts {
        by_delivery
            .entry(attempt.delivery_id)
            .or_default()
            .push(attempt_from_row(attempt)?);
    }
    rows.into_iter()
        .map(|row| {
            let attempts = by_delivery.remove(&row.id).unwrap_or_default();
            Ok(DeliveryRecord {
                delivery: delivery_from_row(row)?,
                attempts,
            })
        })
        .collect()
}
