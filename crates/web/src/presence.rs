use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::PresenceDirectory;
use palaver_domain::user::UserId;
use std::collections::HashMap;
use std::sync::Mutex;

/// Who is connected to this process, counted per user across their devices: online at the
/// first connection, offline after the last. The single-node presence directory; the
/// real-time gateway reports connections to it.
#[derive(Debug, Default)]
pub struct InMemoryPresence {
    connections: Mutex<HashMap<UserId, usize>>,
}

impl InMemoryPresence {
    /// Records a new connection; returns true if the user just came online.
    pub fn connected(&self, user: UserId) -> bool {
        let mut connections = self.lock();
        let count = connections.entry(user).or_insert(0);
        *count += 1;
        *count == 1
    }

    /// Records a closed connection; returns true if the user just went offline.
    pub fn disconnected(&self, user: UserId) -> bool {
        let mut connections = self.lock();
        match connections.get_mut(&user) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                connections.remove(&user);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
        // The map holds plain counters, so a panic elsewhere cannot leave it inconsistent.
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl PresenceDirectory for InMemoryPresence {
    async fn online_users(&self) -> Result<Vec<UserId>, BoxError> {
        Ok(self.lock().keys().copied().collect())
    }

    async fn online_among(&self, users: &[UserId]) -> Result<Vec<UserId>, BoxError> {
        let connections = self.lock();
        Ok(users
            .iter()
            .copied()
            .filter(|u| connections.contains_key(u))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_user_is_online_from_the_first_connection_until_the_last_closes() {
        let presence = InMemoryPresence::default();
        let (ada, bob) = (UserId::generate(), UserId::generate());
        assert!(presence.connected(ada));
        assert!(
            !presence.connected(ada),
            "a second device is not a new arrival"
        );
        assert_eq!(presence.online_users().await.unwrap(), vec![ada]);
        assert_eq!(presence.online_among(&[ada, bob]).await.unwrap(), vec![ada]);
        assert!(!presence.disconnected(ada));
        assert!(presence.disconnected(ada));
        assert!(!presence.disconnected(ada), "closing twice is harmless");
        assert!(presence.online_users().await.unwrap().is_empty());
    }
}
