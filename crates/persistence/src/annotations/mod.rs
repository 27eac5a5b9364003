//! The summaries a message carries beside its own columns: reactions, its thread, who it
//! mentions and whether it is pinned. [`annotate`] reads them for a whole page of messages
//! in a fixed number of statements (one per loader per [`IDS_PER_QUERY`] messages), never
//! one per message.

mod mentions;
mod pins;
mod reactions;
mod threads;

use crate::event_log::IDS_PER_QUERY;
use palaver_domain::RepositoryError;
use palaver_domain::conversation::Message;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Fills in the annotations of every message, in place. Four statements per
/// [`IDS_PER_QUERY`] messages; none for an empty slice.
pub async fn annotate(
    db: &impl ConnectionTrait,
    messages: &mut [Message],
) -> Result<(), RepositoryError> {
    for chunk in messages.chunks_mut(IDS_PER_QUERY) {
        let ids: Vec<Uuid> = chunk.iter().map(|m| m.id.as_uuid()).collect();
        if ids.is_empty() {
            continue;
        }
        let mut reactions = reactions::load(db, &ids).await?;
        let mut threads = threads::load(db, &ids).await?;
        let mut mentions = mentions::load(db, &ids).await?;
        let mut pins = pins::load(db, &ids).await?;
        for message in chunk.iter_mut() {
            let id = message.id.as_uuid();
            let annotations = &mut message.annotations;
            annotations.reactions = reactions.remove(&id).unwrap_or_default();
            annotations.thread = threads.remove(&id);
            annotations.mentions = mentions.remove(&id).unwrap_or_default();
            annotations.pinned_at = pins.remove(&id);
        }
    }
    Ok(())
}

/// [`annotate`] for one message.
pub async fn annotate_one(
    db: &impl ConnectionTrait,
    message: Message,
) -> Result<Message, RepositoryError> {
    let mut one = [message];
    annotate(db, &mut one).await?;
    let [message] = one;
    Ok(message)
}
