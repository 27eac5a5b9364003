//! Throttling of the guessable entry points: login per account and per client address,
//! password-reset requests per email and per address. Over a limit the caller is told to
//! come back when the window ends (`RateLimited`), before any password is checked.

use crate::ApplicationError;
use palaver_domain::ports::AttemptCounter;
use palaver_domain::user::{EmailAddress, UserId};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// How many attempts each key may make per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    pub login_per_account: u64,
    pub login_per_address: u64,
    pub login_window: Duration,
    pub reset_per_email: u64,
    pub reset_per_address: u64,
    pub reset_window: Duration,
}

/// Whom a login names: an account when one matches, else the login text as typed, so
/// that guessing at unknown names is throttled the same.
pub(crate) enum LoginTarget<'a> {
    Account(UserId),
    Unknown(&'a str),
}

#[derive(Clone)]
pub struct Throttle {
    counter: Arc<dyn AttemptCounter>,
    limits: ThrottleLimits,
}

impl Throttle {
    pub fn new(counter: Arc<dyn AttemptCounter>, limits: ThrottleLimits) -> Self {
        Self { counter, limits }
    }

    /// Counts a login attempt; `RateLimited` when the account or the address is over its
    /// limit, `Unavailable` when the counters cannot be reached.
    pub(crate) async fn login_attempt(
        &self,
        target: &LoginTarget<'_>,
        client: Option<IpAddr>,
    ) -> Result<(), ApplicationError> {
        let window = self.limits.login_window;
        let mut checks = vec![(account_key(target), self.limits.login_per_account)];
        if let Some(address) = client {
            checks.push((
                format!("login:address:{address}"),
                self.limits.login_per_address,
            ));
        }
        self.count(checks, window).await
    }

    /// A successful login clears the account's count; the address keeps its own. A
    /// failure to clear is logged, not fatal: the window ends by itself.
    pub(crate) async fn login_succeeded(&self, user: UserId) {
        let key = account_key(&LoginTarget::Account(user));
        if let Err(error) = self.counter.clear(&key).await {
            tracing::warn!(%error, "could not clear a login throttle");
        }
    }

    /// Counts a password-reset request; `RateLimited` when the email or the address is
    /// over its limit.
    pub(crate) async fn reset_request(
        &self,
        email: &EmailAddress,
        client: Option<IpAddr>,
    ) -> Result<(), ApplicationError> {
        let mut checks = vec![(
            format!("reset:email:{}", email.as_str().to_lowercase()),
            self.limits.reset_per_email,
        )];
        if let Some(address) = client {
            checks.push((
                format!("reset:address:{address}"),
                self.limits.reset_per_address,
            ));
        }
        self.count(checks, self.limits.reset_window).await
    }

    /// Counts every key, then refuses if any is over its limit, with the longest wait.
    async fn count(
        &self,
        checks: Vec<(String, u64)>,
        window: Duration,
    ) -> Result<(), ApplicationError> {
        let mut wait: Option<Duration> = None;
        for (key, limit) in checks {
            let count = self
                .counter
                .hit(&key, window)
                .await
                .map_err(ApplicationError::Unavailable)?;
            if count.attempts > limit {
                wait = Some(wait.map_or(count.resets_in, |w| w.max(count.resets_in)));
            }
        }
        match wait {
            Some(retry_after) => Err(ApplicationError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }
}

/// No username or email is longer; a longer login shares its prefix's count, so that
/// a flood of huge made-up logins cannot grow the counters without bound.
const MAX_COUNTED_LOGIN_CHARS: usize = 320;

fn account_key(target: &LoginTarget<'_>) -> String {
    match target {
        LoginTarget::Account(user) => format!("login:account:{user}"),
        LoginTarget::Unknown(login) => {
            let login: String = login.trim().chars().take(MAX_COUNTED_LOGIN_CHARS).collect();
            format!("login:unknown:{}", login.to_lowercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palaver_domain::ports::{AttemptCount, MockAttemptCounter};
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A counter whose windows never end.
    fn counting() -> MockAttemptCounter {
        let counts = Arc::new(Mutex::new(HashMap::<String, u64>::new()));
        let mut counter = MockAttemptCounter::new();
        let hits = Arc::clone(&counts);
        counter.expect_hit().returning(move |key, window| {
            let mut counts = hits.lock().unwrap();
            let attempts = counts.entry(key.to_owned()).or_default();
            *attempts += 1;
            Ok(AttemptCount {
                attempts: *attempts,
                resets_in: window / 2,
            })
        });
        counter.expect_clear().returning(move |key| {
            counts.lock().unwrap().remove(key);
            Ok(())
        });
        counter
    }

    fn limits() -> ThrottleLimits {
        ThrottleLimits {
            login_per_account: 3,
            login_per_address: 5,
            login_window: Duration::from_secs(60),
            reset_per_email: 2,
            reset_per_address: 4,
            reset_window: Duration::from_secs(600),
        }
    }

    fn address(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[tokio::test]
    async fn an_account_is_throttled_after_its_limit_and_cleared_by_a_success() {
        let throttle = Throttle::new(Arc::new(counting()), limits());
        let ada = UserId::generate();
        let target = LoginTarget::Account(ada);
        for n in 1..=3u8 {
            throttle.login_attempt(&target, address(n)).await.unwrap();
        }
        let refused = throttle.login_attempt(&target, address(9)).await;
        assert!(matches!(
            refused,
            Err(ApplicationError::RateLimited { retry_after }) if retry_after == Duration::from_secs(30)
        ));
        throttle.login_succeeded(ada).await;
        throttle.login_attempt(&target, address(10)).await.unwrap();
    }

    #[tokio::test]
    async fn an_address_is_throttled_across_accounts_and_unknown_names_count_too() {
        let throttle = Throttle::new(Arc::new(counting()), limits());
        for n in 0..5 {
            let name = format!("guess{n}");
            throttle
                .login_attempt(&LoginTarget::Unknown(&name), address(1))
                .await
                .unwrap();
        }
        let refused = throttle
            .login_attempt(&LoginTarget::Unknown("another"), address(1))
            .await;
        assert!(matches!(refused, Err(ApplicationError::RateLimited { .. })));
        // Another address is not affected; the same unknown name in any case is one key.
        throttle
            .login_attempt(&LoginTarget::Unknown("X"), address(2))
            .await
            .unwrap();
        for _ in 0..2 {
            throttle
                .login_attempt(&LoginTarget::Unknown(" x "), None)
                .await
                .unwrap();
        }
        assert!(
            throttle
                .login_attempt(&LoginTarget::Unknown("x"), None)
                .await
                .is_err()
        );
    }

    #[test]
    fn keys_of_unknown_logins_are_bounded() {
        let huge = "x".repeat(100_000);
        let key = account_key(&LoginTarget::Unknown(&huge));
        assert!(key.len() < 400, "{}", key.len());
    }

    #[tokio::test]
    async fn reset_requests_are_throttled_per_email_and_per_address() {
        let throttle = Throttle::new(Arc::new(counting()), limits());
        let ada = EmailAddress::parse("ada@example.org").unwrap();
        let other = EmailAddress::parse("ADA@example.org").unwrap();
        throttle.reset_request(&ada, address(1)).await.unwrap();
        throttle.reset_request(&other, address(2)).await.unwrap();
        assert!(throttle.reset_request(&ada, address(3)).await.is_err());
        for n in 0..3 {
            let email = EmailAddress::parse(&format!("u{n}@example.org")).unwrap();
            throttle.reset_request(&email, address(1)).await.unwrap();
        }
        let email = EmailAddress::parse("late@example.org").unwrap();
        assert!(throttle.reset_request(&email, address(1)).await.is_err());
    }

    #[tokio::test]
    async fn unreachable_counters_answer_unavailable() {
        let mut counter = MockAttemptCounter::new();
        counter
            .expect_hit()
            .returning(|_, _| Err("redis is down".into()));
        let throttle = Throttle::new(Arc::new(counter), limits());
        let refused = throttle
            .login_attempt(&LoginTarget::Unknown("ada"), None)
            .await;
        assert!(matches!(refused, Err(ApplicationError::Unavailable(_))));
    }
}
