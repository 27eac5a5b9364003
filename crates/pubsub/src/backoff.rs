use std::time::Duration;

pub(crate) const INITIAL_DELAY: Duration = Duration::from_millis(100);
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(5);

/// Capped exponential backoff: 100 ms, 200 ms, 400 ms … 5 s, 5 s …; `reset` after a success.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Self {
            next: INITIAL_DELAY,
        }
    }

    /// The delay to wait now; the one after it is twice as long, up to the cap.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(MAX_DELAY);
        delay
    }

    pub(crate) fn reset(&mut self) {
        self.next = INITIAL_DELAY;
    }
}

/// The same schedule counted in attempts, for clients that ask per attempt: the first
/// attempt (1) goes at once, the second after 100 ms, then doubling up to the cap.
pub(crate) fn delay_before_attempt(attempt: usize) -> Duration {
    let Some(retries) = attempt.checked_sub(2) else {
        return Duration::ZERO;
    };
    let factor = 1u32.checked_shl(retries.min(31) as u32).unwrap_or(u32::MAX);
    INITIAL_DELAY.saturating_mul(factor).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_starts_over_after_reset() {
        let mut backoff = Backoff::new();
        let delays: Vec<u128> = (0..9).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), INITIAL_DELAY);
    }

    #[test]
    fn per_attempt_schedule_matches() {
        let delays: Vec<u128> = (0..10)
            .map(|attempt| delay_before_attempt(attempt).as_millis())
            .collect();
        assert_eq!(delays, [0, 0, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(delay_before_attempt(usize::MAX), MAX_DELAY);
    }
}
