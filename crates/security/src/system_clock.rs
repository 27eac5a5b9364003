use chrono::{DateTime, SubsecRound, Utc};
use palaver_domain::ports::Clock;

/// The wall clock, cut to microseconds: the finest precision all three databases store, so
/// a time read back equals the time written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
