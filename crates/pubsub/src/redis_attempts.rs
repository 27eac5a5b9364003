//! Attempt counters in Redis, shared by every node of the cluster: one key per counted
//! thing, `<namespace>:throttle:<key>`, incremented and given its window's expiry in one
//! script, so that concurrent nodes never lose a count or leave a key without expiry.

use crate::error::BusError;
use crate::namespace::Namespace;
use crate::url::{redact, scheme_of};
use async_trait::async_trait;
use palaver_domain::error::BoxError;
use palaver_domain::ports::{AttemptCount, AttemptCounter};
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use tokio::sync::Mutex;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// INCR, and on the window's first attempt (or a key somehow left without expiry) PEXPIRE;
/// answers the count and the milliseconds left.
const HIT_SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
     if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then \
       redis.call('PEXPIRE', KEYS[1], ARGV[1]) \
     end \
     return {n, redis.call('PTTL', KEYS[1])}";

pub struct RedisAttemptCounter {
    client: redis::Client,
    prefix: String,
    /// Opened on first use and after a failure; a multiplexed connection is shared.
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl RedisAttemptCounter {
    /// Checks the URL; connects on first use, so an unreachable server is not an error
    /// here (each attempt counted meanwhile fails, and the caller answers 503).
    pub fn new(url: &str, namespace: &Namespace) -> Result<Self, BusError> {
        let server = redact(url);
        if scheme_of(url)? != "redis" {
            return Err(BusError::InvalidUrl {
                url: server,
                reason: "attempt counters need a redis:// URL".into(),
            });
        }
        let client = redis::Client::open(url.trim()).map_err(|error| BusError::InvalidUrl {
            url: server,
            reason: error.to_string(),
        })?;
        Ok(Self {
            client,
            prefix: format!("{}:throttle:", namespace.as_str()),
            connection: Mutex::new(None),
        })
    }

    async fn connection(&self) -> Result<MultiplexedConnection, BoxError> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `command`; a failure drops the connection so that the next call reconnects.
    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Result<T, BoxError> {
        let mut connection = self.connection().await?;
        match command.query_async(&mut connection).await {
            Ok(value) => Ok(value),
            Err(error) => {
                *self.connection.lock().await = None;
                Err(Box::new(error))
            }
        }
    }
}

#[async_trait]
impl AttemptCounter for RedisAttemptCounter {
    async fn hit(&self, key: &str, window: Duration) -> Result<AttemptCount, BoxError> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut command = redis::cmd("EVAL");
        command
            .arg(HIT_SCRIPT)
            .arg(1)
            .arg(format!("{}{key}", self.prefix))
            .arg(window_ms);
        let (attempts, left_ms): (u64, i64) = self.run(command).await?;
        let left_ms = u64::try_from(left_ms).unwrap_or(window_ms);
        Ok(AttemptCount {
            attempts,
            resets_in: Duration::from_millis(left_ms),
        })
    }

    async fn clear(&self, key: &str) -> Result<(), BoxError> {
        let mut command = redis::cmd("DEL");
        command.arg(format!("{}{key}", self.prefix));
        let _removed: u64 = self.run(command).await?;
        Ok(())
    }
}
