//! Reaction summaries: per message, each emoji with its count and its first reactors.

use crate::entities::message_reactions as reactions;
use crate::error::{corrupt, map_db_err};
use palaver_domain::RepositoryError;
use palaver_domain::conversation::{EmojiKey, REACTION_USERS_SHOWN, ReactionSummary};
use palaver_domain::user::UserId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// One statement: every reaction on these messages, oldest first.
pub async fn load(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ReactionSummary>>, RepositoryError> {
    let rows: Vec<(Uuid, String, Uuid)> = reactions::Entity::find()
        .select_only()
        .column(reactions::Column::MessageId)
        .column(reactions::Column::Emoji)
        .column(reactions::Column::UserId)
        .filter(reactions::Column::MessageId.is_in(ids.iter().copied()))
        .order_by_asc(reactions::Column::CreatedAt)
        .order_by_asc(reactions::Column::UserId)
        .order_by_asc(reactions::Column::Emoji)
        .into_tuple()
        .all(db)
        .await
        .map_err(map_db_err)?;
    let mut found: HashMap<Uuid, Vec<ReactionSummary>> = HashMap::new();
    for (message, emoji, user) in rows {
        let summaries = found.entry(message).or_default();
        let index = match summaries.iter().position(|s| s.emoji.as_str() == emoji) {
            Some(index) => index,
            None => {
                let emoji = EmojiKey::parse(&emoji).map_err(|e| corrupt("message_reactions", e))?;
                summaries.push(ReactionSummary {
                    emoji,
                    count: 0,
                    user_ids: Vec::new(),
                });
                summaries.len() - 1
            }
        };
        let summary = &mut summaries[index];
        summary.count += 1;
        if summary.user_ids.len() < REACTION_USERS_SHOWN {
            summary.user_ids.push(UserId::from_uuid(user));
        }
    }
    Ok(found)
}
