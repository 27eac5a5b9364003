use crate::ApplicationError;
use chrono::{DateTime, NaiveTime, Utc};
use palaver_domain::auth::Actor;
use palaver_domain::ports::{
    AdminDirectory, Clock, ConnectionCensus, NodeConnections, PresenceDirectory,
};
use std::sync::Arc;

/// The server at a glance, for global admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStats {
    pub users: u64,
    /// Users connected on any node.
    pub online_users: u64,
    pub conversations: u64,
    /// Messages sent since midnight UTC, deleted ones included.
    pub messages_today: u64,
    pub messages_total: u64,
    /// Each live node's WebSocket connections, this node first.
    pub nodes: Vec<NodeConnections>,
}

pub struct GetStats {
    directory: Arc<dyn AdminDirectory>,
    presence: Arc<dyn PresenceDirectory>,
    census: Arc<dyn ConnectionCensus>,
    clock: Arc<dyn Clock>,
}

impl GetStats {
    pub fn new(
        directory: Arc<dyn AdminDirectory>,
        presence: Arc<dyn PresenceDirectory>,
        census: Arc<dyn ConnectionCensus>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            directory,
            presence,
            census,
            clock,
        }
    }

    /// `Forbidden` unless the actor is a global admin.
    pub async fn execute(&self, actor: &Actor) -> Result<ServerStats, ApplicationError> {
        if !actor.is_admin() {
            return Err(ApplicationError::Forbidden(
                "only an admin may see the server's statistics",
            ));
        }
        let midnight = start_of_day(self.clock.now());
        let totals = self.directory.totals(midnight).await?;
        let online = self
            .presence
            .online_users()
            .await
            .map_err(ApplicationError::Unexpected)?;
        let mut nodes = self.census.nodes();
        nodes.sort_by_key(|n| (!n.this_node, n.node));
        Ok(ServerStats {
            users: totals.users,
            online_users: online.len() as u64,
            conversations: totals.conversations,
            messages_today: totals.messages_since,
            messages_total: totals.messages,
            nodes,
        })
    }
}

fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use palaver_domain::RepositoryError;
    use palaver_domain::ports::{
        MockAdminDirectory, MockConnectionCensus, MockPresenceDirectory, StoreTotals,
    };
    use palaver_domain::user::UserId;
    use uuid::Uuid;

    fn node(this_node: bool, users: u64, connections: Option<u64>) -> NodeConnections {
        NodeConnections {
            node: Uuid::new_v4(),
            this_node,
            users,
            connections,
        }
    }

    fn use_case(directory: MockAdminDirectory, census: MockConnectionCensus) -> GetStats {
        let mut presence = MockPresenceDirectory::new();
        presence
            .expect_online_users()
            .returning(|| Ok(vec![UserId::generate(), UserId::generate()]));
        GetStats::new(
            Arc::new(directory),
            Arc::new(presence),
            Arc::new(census),
            fixed_clock(),
        )
    }

    #[tokio::test]
    async fn counts_come_from_the_store_presence_and_each_node() {
        let midnight = start_of_day(now());
        assert!(midnight <= now() && now() - midnight < chrono::Duration::days(1));
        let mut directory = MockAdminDirectory::new();
        directory
            .expect_totals()
            .withf(move |since| *since == midnight)
            .returning(|_| {
                Ok(StoreTotals {
                    users: 7,
                    conversations: 3,
                    messages: 40,
                    messages_since: 5,
                })
            });
        let (remote, local) = (node(false, 1, None), node(true, 2, Some(3)));
        let mut census = MockConnectionCensus::new();
        census.expect_nodes().return_const(vec![remote, local]);

        let stats = use_case(directory, census)
            .execute(&actor_for(&admin("root")))
            .await
            .unwrap();
        assert_eq!(
            stats,
            ServerStats {
                users: 7,
                online_users: 2,
                conversations: 3,
                messages_today: 5,
                messages_total: 40,
                nodes: vec![local, remote],
            }
        );
    }

    #[tokio::test]
    async fn someone_who_is_not_an_admin_is_refused() {
        let mut directory = MockAdminDirectory::new();
        directory.expect_totals().never();
        let result = use_case(directory, MockConnectionCensus::new())
            .execute(&actor_for(&user("ada")))
            .await;
        assert!(matches!(result, Err(ApplicationError::Forbidden(_))));
    }

    #[tokio::test]
    async fn a_store_failure_is_unexpected() {
        let mut directory = MockAdminDirectory::new();
        directory
            .expect_totals()
            .returning(|_| Err(RepositoryError::Unexpected("pool gone".into())));
        let result = use_case(directory, MockConnectionCensus::new())
            .execute(&actor_for(&admin("root")))
            .await;
        assert!(matches!(result, Err(ApplicationError::Unexpected(_))));
    }
}
