//! Who is online across the cluster. Each node counts its own connections per user and
//! reports changes and periodic snapshots over the bus; every node keeps the same table of
//! which users each node has, and forgets a node it has not heard from for three heartbeat
//! intervals. A user is online while any node has them.

use super::envelope::PresenceReport;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use palaver_domain::error::BoxError;
use palaver_domain::ports::{ConnectionCensus, NodeConnections, PresenceDirectory};
use palaver_domain::user::UserId;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A user's cluster-wide status changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub user: Uuid,
    pub online: bool,
    pub at: DateTime<Utc>,
    /// Whether this node should store `last_seen_at`: for its own users, and for users of
    /// a node that went silent (it cannot any more); not for another node's live report.
    pub record: bool,
}

#[derive(Debug)]
struct RemoteNode {
    users: HashSet<Uuid>,
    last_heard: Instant,
}

#[derive(Debug, Default)]
struct Table {
    /// Connections per user on this node.
    local: HashMap<Uuid, usize>,
    remote: HashMap<Uuid, RemoteNode>,
    /// On how many nodes each online user is connected (this one included).
    nodes_per_user: HashMap<Uuid, usize>,
}

impl Table {
    /// Counts the user in on one more node; a transition if they were offline everywhere.
    fn node_gained(&mut self, user: Uuid, at: DateTime<Utc>) -> Option<Transition> {
        let nodes = self.nodes_per_user.entry(user).or_insert(0);
        *nodes += 1;
        (*nodes == 1).then_some(Transition {
            user,
            online: true,
            at,
            record: true,
        })
    }

    fn node_lost(&mut self, user: Uuid, at: DateTime<Utc>) -> Option<Transition> {
        let nodes = self.nodes_per_user.get_mut(&user)?;
        *nodes -= 1;
        if *nodes > 0 {
            return None;
        }
        self.nodes_per_user.remove(&user);
        Some(Transition {
            user,
            online: false,
            at,
            record: true,
        })
    }
}

/// Publishes a report to the other nodes; called with the table locked, so that reports
/// leave in the order of the changes they describe (publishing only queues).
pub type Publish<'a> = &'a dyn Fn(PresenceReport);

/// The cluster's presence as this node sees it.
#[derive(Debug)]
pub struct ClusterPresence {
    node: Uuid,
    node_timeout: Duration,
    table: Mutex<Table>,
}

impl ClusterPresence {
    /// `node_timeout`: how long a silent node's users still count as online.
    pub fn new(node: Uuid, node_timeout: Duration) -> Self {
        Self {
            node,
            node_timeout,
            table: Mutex::new(Table::default()),
        }
    }

    pub fn node(&self) -> Uuid {
        self.node
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Plain counters and sets: a panic elsewhere cannot leave them half-updated in a
        // way that matters more than refusing all presence from then on.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection opened on this node. Returns the report for the other nodes if it is
    /// the user's first here, and the transition if they were offline everywhere.
    pub fn connected(
        &self,
        user: UserId,
        at: DateTime<Utc>,
        publish: Publish<'_>,
    ) -> Option<Transition> {
        let user = user.as_uuid();
        let mut table = self.lock();
        let count = table.local.entry(user).or_insert(0);
        *count += 1;
        if *count > 1 {
            return None;
        }
        publish(PresenceReport::Changed {
            node: self.node,
            user,
            online: true,
            at,
        });
        table.node_gained(user, at)
    }

    /// A connection closed on this node; the mirror of [`connected`](Self::connected).
    pub fn disconnected(
        &self,
        user: UserId,
        at: DateTime<Utc>,
        publish: Publish<'_>,
    ) -> Option<Transition> {
        let user = user.as_uuid();
        let mut table = self.lock();
        match table.local.get_mut(&user) {
            Some(count) if *count > 1 => {
                *count -= 1;
                None
            }
            Some(_) => {
                table.local.remove(&user);
                publish(PresenceReport::Changed {
                    node: self.node,
                    user,
                    online: false,
                    at,
                });
                table.node_lost(user, at)
            }
            None => None,
        }
    }

    /// Publishes this node's heartbeat: everyone connected to it.
    pub fn publish_snapshot(&self, publish: Publish<'_>) {
        let table = self.lock();
        publish(PresenceReport::Snapshot {
            node: self.node,
            users: table.local.keys().copied().collect(),
        });
    }

    /// Applies another node's report; this node's own, echoed by the bus, are ignored.
    pub fn apply(&self, report: PresenceReport, now: DateTime<Utc>) -> Vec<Transition> {
        let mut table = self.lock();
        let mut transitions = Vec::new();
        match report {
            PresenceReport::Changed { node, .. }
            | PresenceReport::Snapshot { node, .. }
            | PresenceReport::Gone { node }
                if node == self.node => {}
            PresenceReport::Changed {
                node,
                user,
                online,
                at,
            } => {
                let remote = table.remote.entry(node).or_insert_with(|| RemoteNode {
                    users: HashSet::new(),
                    last_heard: Instant::now(),
                });
                remote.last_heard = Instant::now();
                let changed = if online {
                    remote.users.insert(user)
                } else {
                    remote.users.remove(&user)
                };
                let transition = match (changed, online) {
                    (true, true) => table.node_gained(user, at),
                    (true, false) => table.node_lost(user, at),
                    (false, _) => None,
                };
                // The reporting node stores its own users' last_seen_at.
                transitions.extend(transition.map(|t| Transition { record: false, ..t }));
            }
            PresenceReport::Snapshot { node, users } => {
                let users: HashSet<Uuid> = users.into_iter().collect();
                let previous = table
                    .remote
                    .remove(&node)
                    .map(|n| n.users)
                    .unwrap_or_default();
                for &user in users.difference(&previous) {
                    transitions.extend(table.node_gained(user, now));
                }
                for &user in previous.difference(&users) {
                    transitions.extend(table.node_lost(user, now));
                }
                let last_heard = Instant::now();
                table.remote.insert(node, RemoteNode { users, last_heard });
            }
            PresenceReport::Gone { node } => {
                transitions.extend(Self::forget(&mut table, node, now));
            }
        }
        transitions
    }

    /// Forgets nodes not heard from within the timeout: they died without saying goodbye.
    pub fn expire_silent_nodes(&self, now: DateTime<Utc>) -> Vec<Transition> {
        let mut table = self.lock();
        let silent: Vec<Uuid> = table
            .remote
            .iter()
            .filter(|(_, node)| node.last_heard.elapsed() > self.node_timeout)
            .map(|(id, _)| *id)
            .collect();
        let mut transitions = Vec::new();
        for node in silent {
            tracing::warn!(%node, "a node stopped reporting; its users go offline");
            transitions.extend(Self::forget(&mut table, node, now));
        }
        transitions
    }

    fn forget(table: &mut Table, node: Uuid, now: DateTime<Utc>) -> Vec<Transition> {
        let users = table.remote.remove(&node).map(|n| n.users);
        users
            .into_iter()
            .flatten()
            .filter_map(|user| table.node_lost(user, now))
            .collect()
    }
}

#[async_trait]
impl PresenceDirectory for ClusterPresence {
    async fn online_users(&self) -> Result<Vec<UserId>, BoxError> {
        Ok(self
            .lock()
            .nodes_per_user
            .keys()
            .copied()
            .map(UserId::from_uuid)
            .collect())
    }

    async fn online_among(&self, users: &[UserId]) -> Result<Vec<UserId>, BoxError> {
        let table = self.lock();
        Ok(users
            .iter()
            .copied()
            .filter(|u| table.nodes_per_user.contains_key(&u.as_uuid()))
            .collect())
    }
}

/// This node with its users and sockets, then each live remote node with its users (a
/// remote node reports which users it has, not how many sockets each).
impl ConnectionCensus for ClusterPresence {
    fn nodes(&self) -> Vec<NodeConnections> {
        let table = self.lock();
        let this = NodeConnections {
            node: self.node,
            this_node: true,
            users: table.local.len() as u64,
            connections: Some(table.local.values().map(|&n| n as u64).sum()),
        };
        let remote = table.remote.iter().map(|(&node, remote)| NodeConnections {
            node,
            this_node: false,
            users: remote.users.len() as u64,
            connections: None,
        });
        std::iter::once(this).chain(remote).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn presence() -> ClusterPresence {
        ClusterPresence::new(Uuid::now_v7(), Duration::from_millis(50))
    }

    /// Collects what would be published.
    #[derive(Default)]
    struct Published(RefCell<Vec<PresenceReport>>);

    impl Published {
        fn publish(&self) -> impl Fn(PresenceReport) + '_ {
            |report| self.0.borrow_mut().push(report)
        }

        fn take(&self) -> Vec<PresenceReport> {
            std::mem::take(&mut self.0.borrow_mut())
        }
    }

    #[tokio::test]
    async fn a_user_is_online_from_the_first_device_until_the_last_closes() {
        let (presence, published) = (presence(), Published::default());
        let (ada, now) = (UserId::generate(), Utc::now());
        let came = presence.connected(ada, now, &published.publish()).unwrap();
        assert!(came.online && came.record);
        assert_eq!(published.take().len(), 1);
        assert_eq!(presence.connected(ada, now, &published.publish()), None);
        assert!(published.take().is_empty(), "a second device is no news");
        assert_eq!(presence.online_users().await.unwrap(), vec![ada]);
        assert_eq!(presence.disconnected(ada, now, &published.publish()), None);
        let went = presence
            .disconnected(ada, now, &published.publish())
            .unwrap();
        assert!(!went.online);
        assert_eq!(published.take().len(), 1);
        assert_eq!(
            presence.disconnected(ada, now, &published.publish()),
            None,
            "twice is harmless"
        );
        assert!(presence.online_users().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn users_on_several_nodes_go_offline_after_the_last_node_lets_go() {
        let (here, published) = (presence(), Published::default());
        let (other, ada, now) = (Uuid::now_v7(), UserId::generate(), Utc::now());
        let joined = here.apply(
            PresenceReport::Changed {
                node: other,
                user: ada.as_uuid(),
                online: true,
                at: now,
            },
            now,
        );
        assert_eq!(joined.len(), 1);
        assert!(!joined[0].record, "the other node records its own users");
        assert_eq!(
            here.connected(ada, now, &published.publish()),
            None,
            "already online elsewhere"
        );
        assert!(
            here.apply(PresenceReport::Gone { node: other }, now)
                .is_empty()
        );
        assert_eq!(here.online_among(&[ada]).await.unwrap(), vec![ada]);
        let left = here.disconnected(ada, now, &published.publish()).unwrap();
        assert!(!left.online);
    }

    #[tokio::test]
    async fn snapshots_correct_the_table_and_silent_nodes_expire() {
        let here = presence();
        let (other, ada, bob, now) = (
            Uuid::now_v7(),
            UserId::generate(),
            UserId::generate(),
            Utc::now(),
        );
        let first = here.apply(
            PresenceReport::Snapshot {
                node: other,
                users: vec![ada.as_uuid(), bob.as_uuid()],
            },
            now,
        );
        assert_eq!(first.len(), 2);
        let second = here.apply(
            PresenceReport::Snapshot {
                node: other,
                users: vec![bob.as_uuid()],
            },
            now,
        );
        assert_eq!(
            second,
            vec![Transition {
                user: ada.as_uuid(),
                online: false,
                at: now,
                record: true,
            }]
        );
        assert!(here.expire_silent_nodes(now).is_empty(), "heard just now");
        tokio::time::sleep(Duration::from_millis(80)).await;
        let expired = here.expire_silent_nodes(now);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].user, bob.as_uuid());
        assert!(expired[0].record, "a dead node cannot record its users");
        assert!(here.online_users().await.unwrap().is_empty());
    }

    #[test]
    fn a_nodes_own_reports_echoed_by_the_bus_change_nothing() {
        let (here, published) = (presence(), Published::default());
        let ada = UserId::generate();
        here.connected(ada, Utc::now(), &published.publish());
        here.publish_snapshot(&published.publish());
        for report in published.take() {
            assert!(here.apply(report, Utc::now()).is_empty());
        }
        assert_eq!(here.lock().local.len(), 1);
    }
}
