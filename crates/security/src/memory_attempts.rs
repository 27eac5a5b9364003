//! Attempt counters in this process's memory: the throttle of a single node, or of each
//! node of a cluster whose bus cannot hold counters.

use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{AttemptCount, AttemptCounter};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Windows that ended are swept out once this many keys are held.
const SWEEP_ABOVE: usize = 10_000;

/// Fixed-window counters, as the Redis adapter keeps them: a key's first attempt opens a
/// window; the count starts again once it ends.
#[derive(Default)]
pub struct MemoryAttemptCounter {
    windows: Mutex<HashMap<String, Window>>,
}

struct Window {
    attempts: u64,
    ends_at: Instant,
}

impl MemoryAttemptCounter {
    pub fn new() -> Self {
        Self::default()
    }

    fn hit_at(&self, key: &str, window: Duration, now: Instant) -> AttemptCount {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| w.ends_at > now);
        }
        let entry = windows.entry(key.to_owned()).or_insert(Window {
            attempts: 0,
            ends_at: now + window,
        });
        if entry.ends_at <= now {
            *entry = Window {
                attempts: 0,
                ends_at: now + window,
            };
        }
        entry.attempts += 1;
        AttemptCount {
            attempts: entry.attempts,
            resets_in: entry.ends_at - now,
        }
    }
}

#[async_trait]
impl AttemptCounter for MemoryAttemptCounter {
    async fn hit(&self, key: &str, window: Duration) -> Result<AttemptCount, BoxError> {
        Ok(self.hit_at(key, window, Instant::now()))
    }

    async fn clear(&self, key: &str) -> Result<(), BoxError> {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_until_it_ends_then_starts_again() {
        let counter = MemoryAttemptCounter::new();
        let start = Instant::now();
        let minute = Duration::from_secs(60);
        assert_eq!(counter.hit_at("k", minute, start).attempts, 1);
        let second = counter.hit_at("k", minute, start + Duration::from_secs(20));
        assert_eq!(second.attempts, 2);
        assert_eq!(second.resets_in, Duration::from_secs(40));
        assert_eq!(counter.hit_at("other", minute, start).attempts, 1);
        let later = counter.hit_at("k", minute, start + minute);
        assert_eq!(later.attempts, 1);
        assert_eq!(later.resets_in, minute);
    }

    #[tokio::test]
    async fn clearing_forgets_the_key() {
        let counter = MemoryAttemptCounter::new();
        let minute = Duration::from_secs(60);
        counter.hit("k", minute).await.unwrap();
        counter.hit("k", minute).await.unwrap();
        counter.clear("k").await.unwrap();
        assert_eq!(counter.hit("k", minute).await.unwrap().attempts, 1);
    }
}
