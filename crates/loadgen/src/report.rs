//! The one-screen report.

use crate::Options;
use crate::client::Stats;
use crate::histogram::Histogram;
use crate::procfs::{CpuSample, shares};
use std::fmt;
use std::time::Duration;

pub struct Report<'a> {
    pub options: &'a Options,
    pub connections: usize,
    pub setup_time: Duration,
    pub open_time: Duration,
    pub rss_before: Option<u64>,
    pub rss_after: Option<u64>,
    pub window: Duration,
    pub cpu: Option<(CpuSample, CpuSample)>,
    pub totals: &'a Stats,
}

/// Thousands separated by commas.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn millis(micros: Option<u64>) -> String {
    micros.map_or_else(
        || "-".to_owned(),
        |us| format!("{:.2} ms", us as f64 / 1000.0),
    )
}

fn latency(f: &mut fmt::Formatter<'_>, label: &str, histogram: &Histogram) -> fmt::Result {
    writeln!(
        f,
        "{label:<18} p50 {:>10}   p99 {:>10}   max bucket {:>10}   ({} samples)",
        millis(histogram.quantile(0.5)),
        millis(histogram.quantile(0.99)),
        millis(histogram.quantile(1.0)),
        grouped(histogram.len()),
    )
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.options;
        let t = self.totals;
        let seconds = self.window.as_secs_f64().max(1e-9);
        let per_second = |count: u64| grouped((count as f64 / seconds).round() as u64);
        writeln!(f, "== palaver-loadgen against {}", o.url)?;
        writeln!(
            f,
            "{} rooms x {} members = {} connections; {} senders per room, {} in flight each; \
             {} B content",
            o.rooms, o.members, self.connections, o.senders, o.in_flight, o.content_bytes
        )?;
        writeln!(
            f,
            "set-up {:.1} s, sockets opened in {:.1} s; measured {:.1} s after {} s warm-up",
            self.setup_time.as_secs_f64(),
            self.open_time.as_secs_f64(),
            seconds,
            o.warmup
        )?;
        match self.rss_before.zip(self.rss_after) {
            Some((before, after)) => writeln!(
                f,
                "server RSS {:.1} MiB -> {:.1} MiB with the sockets idle: {:.1} KiB per connection",
                before as f64 / 1024.0,
                after as f64 / 1024.0,
                after.saturating_sub(before) as f64 / self.connections.max(1) as f64
            )?,
            None => writeln!(f, "server RSS: not read (give --server-pid)")?,
        }
        writeln!(f)?;
        writeln!(f, "acks (persisted)   {:>12} /s", per_second(t.acks))?;
        writeln!(
            f,
            "deliveries         {:>12} /s   ({:.1} per ack)",
            per_second(t.deliveries),
            t.deliveries as f64 / t.acks.max(1) as f64
        )?;
        latency(f, "ack latency", &t.ack_latency)?;
        latency(f, "delivery latency", &t.delivery_latency)?;
        if let Some((start, end)) = &self.cpu {
            let (client, server) = shares(start, end);
            let server = server.map_or_else(|| "-".to_owned(), |s| format!("{:.0} %", s * 100.0));
            writeln!(
                f,
                "CPU, % of one core: load generator {:.0} %, server {server} ({} cores here)",
                client * 100.0,
                std::thread::available_parallelism().map_or(0, usize::from)
            )?;
        }
        writeln!(f)?;
        let expected = t.total_acks * o.members as u64;
        writeln!(
            f,
            "whole run: {} sent, {} acked, {} errors, {} unanswered; {} of {} deliveries \
             ({} connections lost)",
            grouped(t.total_sent),
            grouped(t.total_acks),
            grouped(t.error_count()),
            grouped(t.total_sent.saturating_sub(t.total_acks + t.error_count())),
            grouped(t.total_deliveries),
            grouped(expected),
            t.lost
        )?;
        // One line for scripts (make bench): counts per second, latencies in µs, KiB.
        let rss = self.rss_before.zip(self.rss_after).map(|(before, after)| {
            after.saturating_sub(before) as f64 / self.connections.max(1) as f64
        });
        let quantile = |h: &Histogram, q: f64| h.quantile(q).map_or(-1, |us| us as i64);
        writeln!(
            f,
            "BENCH acks_per_s={:.0} deliveries_per_s={:.0} ack_p50_us={} ack_p99_us={} \
             delivery_p50_us={} delivery_p99_us={} rss_kib_per_connection={:.1} \
             acked={} delivered={} expected={} errors={} lost={}",
            t.acks as f64 / seconds,
            t.deliveries as f64 / seconds,
            quantile(&t.ack_latency, 0.5),
            quantile(&t.ack_latency, 0.99),
            quantile(&t.delivery_latency, 0.5),
            quantile(&t.delivery_latency, 0.99),
            rss.unwrap_or(-1.0),
            t.total_acks,
            t.total_deliveries,
            expected,
            t.error_count(),
            t.lost
        )?;
        if !t.errors.is_empty() {
            let mut codes: Vec<_> = t.errors.iter().collect();
            codes.sort();
            let codes: Vec<String> = codes.iter().map(|(c, n)| format!("{c}: {n}")).collect();
            writeln!(f, "errors by code: {}", codes.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
