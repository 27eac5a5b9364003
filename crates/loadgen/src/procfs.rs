//! Readings from /proc: a process's resident memory and CPU time.

use std::time::Instant;

/// Clock ticks per second of /proc/*/stat's CPU times (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// The process's resident set (`VmRSS`), in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// User plus system CPU time of a process (all its threads), in ticks.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// CPU times of the load generator and of the server at one moment.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    at: Instant,
    client: u64,
    server: Option<u64>,
}

impl CpuSample {
    pub fn take(server_pid: Option<u32>) -> Option<Self> {
        Some(Self {
            at: Instant::now(),
            client: cpu_ticks("self")?,
            server: server_pid.and_then(|pid| cpu_ticks(&pid.to_string())),
        })
    }
}

/// Each process's CPU time between two samples, as a share of one core (1.0 = one core
/// busy all the time): the client's, and the server's if it was sampled.
pub fn shares(start: &CpuSample, end: &CpuSample) -> (f64, Option<f64>) {
    let wall = end.at.duration_since(start.at).as_secs_f64().max(1e-9);
    let share = |from: u64, to: u64| (to.saturating_sub(from)) as f64 / TICKS_PER_SECOND / wall;
    let server = start.server.zip(end.server).map(|(a, b)| share(a, b));
    (share(start.client, end.client), server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_process() {
        assert!(rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
        assert!(cpu_ticks("self").is_some());
    }
}
