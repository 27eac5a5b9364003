//! Ports of the administration side: reads across every conversation and user, for global
//! admins, and the connections of each node of the cluster.

use crate::RepositoryError;
use crate::conversation::{Conversation, ConversationId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Where a page of every conversation continues: after this creation time and id, in the
/// list's order (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedCursor {
    pub created_at: DateTime<Utc>,
    pub conversation_id: ConversationId,
}

/// Which conversations to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllConversationsQuery {
    /// Only conversations whose name contains this text, compared in lower case.
    pub name_contains: Option<String>,
    pub after: Option<CreatedCursor>,
    pub limit: u64,
}

/// Counts over the whole store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreTotals {
    pub users: u64,
    pub conversations: u64,
    /// Every message sent, deleted ones (tombstones) included.
    pub messages: u64,
    /// Those of `messages` created at or after the time asked about.
    pub messages_since: u64,
}

/// Reads for global admins. Every method answers `Unexpected` when the store fails.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AdminDirectory: Send + Sync {
    /// Every conversation, newest first (then by id), at most `limit`.
    async fn all_conversations(
        &self,
        query: &AllConversationsQuery,
    ) -> Result<Vec<Conversation>, RepositoryError>;

    /// The counts, with messages since `since`.
    async fn totals(&self, since: DateTime<Utc>) -> Result<StoreTotals, RepositoryError>;
}

/// One node of the cluster as this node sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeConnections {
    pub node: Uuid,
    /// Whether this is the node answering.
    pub this_node: bool,
    /// Users with at least one WebSocket open on that node.
    pub users: u64,
    /// WebSockets open on that node; only known for this node (other nodes report which
    /// users they have, not how many sockets each).
    pub connections: Option<u64>,
}

/// The WebSocket connections of each live node. Filled by the real-time gateway.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ConnectionCensus: Send + Sync {
    fn nodes(&self) -> Vec<NodeConnections>;
}
