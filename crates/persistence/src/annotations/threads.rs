//! Thread summaries of roots: how many replies, the latest, and who replied.

use crate::entities::messages;
use crate::error::map_db_err;
use chrono::{DateTime, Utc};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::ThreadSummary;
use palaver_domain::user::UserId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// One sender's replies in one thread: the sender, how many, the latest, the first seq.
type SenderReplies = (Option<Uuid>, i64, DateTime<Utc>, i64);
/// A row of the grouped query: the root, then [`SenderReplies`].
type Group = (Uuid, Option<Uuid>, i64, DateTime<Utc>, i64);

/// One statement: the undeleted replies to these messages, grouped by root and sender.
/// Only roots with replies are in the answer.
pub async fn load(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, ThreadSummary>, RepositoryError> {
    use messages::Column;
    let groups: Vec<Group> = messages::Entity::find()
        .select_only()
        .column(Column::ThreadRootId)
        .column(Column::SenderId)
        .column_as(Expr::col(Column::Id).count(), "replies")
        .column_as(Expr::col(Column::CreatedAt).max(), "last_reply_at")
        .column_as(Expr::col(Column::Seq).min(), "first_seq")
        .filter(Column::ThreadRootId.is_in(ids.iter().copied()))
        .filter(Column::DeletedAt.is_null())
        .group_by(Column::ThreadRootId)
        .group_by(Column::SenderId)
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    let mut by_root: HashMap<Uuid, Vec<SenderReplies>> = HashMap::new();
    for (root, sender, replies, last, first_seq) in groups {
        by_root
            .entry(root)
            .or_default()
            .push((sender, replies, last, first_seq));
    }
    Ok(by_root
        .into_iter()
        .map(|(root, mut senders)| {
            senders.sort_by_key(|(_, _, _, first_seq)| *first_seq);
            let summary = ThreadSummary {
                reply_count: senders
                    .iter()
                    .map(|(_, n, _, _)| u64::try_from(*n).unwrap_or(0))
                    .sum(),
                last_reply_at: senders.iter().map(|(_, _, last, _)| *last).max(),
                participant_ids: senders
                    .iter()
                    .filter_map(|(sender, _, _, _)| sender.map(UserId::from_uuid))
                    .collect(),
            };
            (root, summary)
        })
        .collect())
}
