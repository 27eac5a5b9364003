//! The extension point: consumers of the committed events (the notification pipeline,
//! webhooks).

use async_trait::async_trait;
use palaver_domain::conversation::{ConversationEvent, ConversationId};
use palaver_domain::error::BoxError;

/// Something fed every committed event of every conversation, in seq order per
/// conversation, at least once, off the send path.
///
/// The [`Dispatcher`](crate::Dispatcher) keeps a durable cursor per consumer and
/// conversation (keyed by [`name`](Self::name)) and calls [`consume`](Self::consume) with
/// the events after it; the cursor moves past them only when `consume` returns `Ok`.
/// An `Err`, or a node dying before the cursor moves, means the same events come again
/// later (at the next wake-up of that conversation or the next scan), so `consume` must be
/// idempotent (key what you store by conversation and seq). Conversations are handled one
/// at a time per node; keep `consume` short (store work, send it from your own task).
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// The consumer's stable name, at most 64 characters: its cursors are stored under
    /// it. A consumer seen for the first time starts at the end of every existing log
    /// (no history is replayed).
    fn name(&self) -> &str;

    /// Handles `events` of `conversation`: consecutive seqs, ascending, never empty.
    async fn consume(
        &self,
        conversation: ConversationId,
        events: &[ConversationEvent],
    ) -> Result<(), BoxError>;
}
