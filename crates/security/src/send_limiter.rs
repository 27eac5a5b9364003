use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use palaver_domain::ports::SendRateLimiter;
use palaver_domain::user::{UserId, UserKind};
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

    fn check_user(&self, user: UserId) -> Result<(), Duration> {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&user)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

impl SendRateLimiter for GovernorSendLimiter {
    /// One quota for everyone, people and bots alike.
    fn check(&self, user: UserId, _kind: UserKind) -> Result<(), Duration> {
        self.check_user(user)
    }
}

/// People and bots, each held to a quota of their own.
pub struct SendLimitsByKind {
    people: GovernorSendLimiter,
    bots: GovernorSendLimiter,
}

impl SendLimitsByKind {
    pub fn new(people: GovernorSendLimiter, bots: GovernorSendLimiter) -> Self {
        Self { people, bots }
    }
}

impl SendRateLimiter for SendLimitsByKind {
    fn check(&self, user: UserId, kind: UserKind) -> Result<(), Duration> {
        match kind {
            UserKind::Person => self.people.check_user(user),
            UserKind::Bot => self.bots.check_user(user),
        }
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
            assert!(limiter.check(ada, UserKind::Person).is_ok());
        }
        let wait = limiter.check(ada, UserKind::Person).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(
            limiter.check(bob, UserKind::Person).is_ok(),
            "buckets are per user"
        );
    }

    #[test]
    fn bots_and_people_are_held_to_their_own_quotas() {
        let limits = SendLimitsByKind::new(limiter(1000, 1000), limiter(1, 2));
        let (bot, person) = (UserId::generate(), UserId::generate());
        for _ in 0..2 {
            assert!(limits.check(bot, UserKind::Bot).is_ok());
        }
        assert!(
            limits.check(bot, UserKind::Bot).is_err(),
            "past the bot burst"
        );
        for _ in 0..10 {
            assert!(limits.check(person, UserKind::Person).is_ok());
        }
    }

    #[test]
    fn the_configured_rate_sets_the_wait() {
        let limiter = limiter(2, 1);
        let ada = UserId::generate();
        assert!(limiter.check(ada, UserKind::Person).is_ok());
        let wait = limiter.check(ada, UserKind::Person).unwrap_err();
        assert!(wait <= Duration::from_millis(500), "{wait:?}");
    }
}
