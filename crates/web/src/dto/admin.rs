//! Bodies of the admin routes.

use palaver_application::admin::ServerStats;
use palaver_domain::ports::NodeConnections;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `GET /api/admin/conversations?q=&cursor=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminConversationsQuery {
    /// Only conversations whose name contains this text (any case); at most 100 characters.
    #[param(max_length = 100, pattern = r"^[^\u0000-\u0008\u000b-\u001f]*$")]
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// The server at a glance.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ServerStats)]
pub struct StatsResponse {
    pub users: u64,
    /// Users connected on any node.
    pub online_users: u64,
    pub conversations: u64,
    /// Messages sent since midnight UTC, deleted ones included.
    pub messages_today: u64,
    /// Every message sent, deleted ones included.
    pub messages_total: u64,
    /// Each live node, the answering one first.
    pub connections: Vec<NodeConnectionsResponse>,
}

/// One node's WebSockets.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = NodeConnections)]
pub struct NodeConnectionsResponse {
    pub node: Uuid,
    /// Whether this is the node that answered.
    pub this_node: bool,
    /// Users with at least one WebSocket open there.
    pub users: u64,
    /// WebSockets open there; `null` for other nodes, which report users, not sockets.
    pub connections: Option<u64>,
}

impl From<ServerStats> for StatsResponse {
    fn from(stats: ServerStats) -> Self {
        Self {
            users: stats.users,
            online_users: stats.online_users,
            conversations: stats.conversations,
            messages_today: stats.messages_today,
            messages_total: stats.messages_total,
            connections: stats.nodes.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<NodeConnections> for NodeConnectionsResponse {
    fn from(node: NodeConnections) -> Self {
        Self {
            node: node.node,
            this_node: node.this_node,
            users: node.users,
            connections: node.connections,
        }
    }
}
