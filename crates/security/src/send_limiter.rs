use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use palaver_domain::ports::SendRateLimiter;
use palaver_domain::user::UserId;
use std::num::NonZeroU32;
use std::time::Duration;

type KeyedLimiter =
    RateLimiter<UserId, governor::state::keyed::DefaultKeyedStateStore<UserId>, DefaultClock>;

/// A token bucket per user, in this process: `per_second` sends a second on average, up to
/// `burst` at once. (With several nodes each node keeps its own buckets.)
pub struct GovernorSendLimiter {
    limiter: KeyedLimiter,
    clock: DefaultClock,
}

/// Above this many tracked users, buckets that are full again are dropped.
const PRUNE_ABOVE: usize = 100_000;

impl GovernorSendLimiter {
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }
}

impl SendRateLimiter for GovernorSendLimiter {
    fn check(&self, user: UserId) -> Result<(), Duration> {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&user)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: u32, burst: u32) -> GovernorSendLimiter {
        GovernorSendLimiter::new(
            NonZeroU32::new(per_second).unwrap(),
            NonZeroU32::new(burst).unwrap(),
        )
    }

    #[test]
    fn a_burst_passes_then_the_next_send_waits_and_others_are_unaffected() {
        // one token a minute: nothing refills while the test runs
        let limiter = GovernorSendLimiter {
            limiter: RateLimiter::keyed(
                Quota::per_minute(NonZeroU32::new(1).unwrap())
                    .allow_burst(NonZeroU32::new(3).unwrap()),
            ),
            clock: DefaultClock::default(),
        };
        let (ada, bob) = (UserId::generate(), UserId::generate());
        for _ in 0..3 {
            assert!(limiter.check(ada).is_ok());
        }
        let wait = limiter.check(ada).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(limiter.check(bob).is_ok(), "buckets are per user");
    }

    #[test]
    fn the_configured_rate_sets_the_wait() {
        let limiter = limiter(2, 1);
        let ada = UserId::generate();
        assert!(limiter.check(ada).is_ok());
        let wait = limiter.check(ada).unwrap_err();
        assert!(wait <= Duration::from_millis(500), "{wait:?}");
    }
}
