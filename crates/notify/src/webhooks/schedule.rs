//! When a failed delivery is tried again, and when it is given up.

use chrono::{DateTime, Duration, Utc};
use palaver_domain::notification::AttemptOutcome;

#[derive(Debug, Clone, Copy)]
pub struct RetrySchedule {
    /// The wait after the first failure; each later failure doubles it ...
    pub base: Duration,
    /// ... up to this.
    pub max: Duration,
    /// A delivery whose next attempt would fall later than this after its creation is
    /// given up instead.
    pub give_up_after: Duration,
}

impl RetrySchedule {
    /// What follows the `failures`th failed attempt (1 for the first) at `now` of a
    /// delivery created at `created_at`. `asked` is the receiver's `Retry-After`, honoured
    /// up to `max`.
    pub fn after_failure(
        &self,
        failures: u32,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        asked: Option<Duration>,
    ) -> AttemptOutcome {
        let doublings = failures.saturating_sub(1).min(30);
        let backoff = self
            .base
            .checked_mul(1_i32 << doublings)
            .unwrap_or(self.max)
            .min(self.max);
        let wait = asked.map_or(backoff, |asked| asked.clamp(backoff, self.max.max(backoff)));
        let next = now + wait;
        if next > created_at + self.give_up_after {
            AttemptOutcome::GiveUp
        } else {
            AttemptOutcome::RetryAt(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> RetrySchedule {
        RetrySchedule {
            base: Duration::seconds(10),
            max: Duration::hours(1),
            give_up_after: Duration::hours(24),
        }
    }

    #[test]
    fn the_first_retry_comes_after_the_base_then_the_wait_doubles_up_to_the_cap() {
        let created = Utc::now();
        let wait = |failures| match schedule().after_failure(failures, created, created, None) {
            AttemptOutcome::RetryAt(at) => at - created,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(1), Duration::seconds(10));
        assert_eq!(wait(2), Duration::seconds(20));
        assert_eq!(wait(3), Duration::seconds(40));
        assert_eq!(wait(10), Duration::hours(1));
        assert_eq!(wait(u32::MAX), Duration::hours(1));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap_and_never_shortens_the_backoff() {
        let now = Utc::now();
        let at = |asked| schedule().after_failure(1, now, now, Some(asked));
        assert_eq!(
            at(Duration::minutes(5)),
            AttemptOutcome::RetryAt(now + Duration::minutes(5))
        );
        assert_eq!(
            at(Duration::days(3)),
            AttemptOutcome::RetryAt(now + Duration::hours(1))
        );
        assert_eq!(
            at(Duration::seconds(1)),
            AttemptOutcome::RetryAt(now + Duration::seconds(10))
        );
    }

    #[test]
    fn a_delivery_failing_past_the_window_is_given_up() {
        let created = Utc::now();
        let late = created + Duration::hours(23) + Duration::minutes(59);
        assert_eq!(
            schedule().after_failure(20, created, late, None),
            AttemptOutcome::GiveUp
        );
    }
}
