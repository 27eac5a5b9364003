//! The WebSocket clients: opening them, and the one task per connection that sends (for a
//! sender), reads every frame and counts what it sees.

use crate::histogram::Histogram;
use crate::setup::Room;
use anyhow::{Context, anyhow};
use futures_util::{SinkExt, StreamExt, TryStreamExt, stream};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where the run is; clients count only what happens in `Measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Warmup = 0,
    Measure = 1,
    /// No more sends; answers and deliveries still on their way are awaited.
    Drain = 2,
}

/// What every client task reads: the phase, and the clock send times are measured on.
pub struct Shared {
    phase: AtomicU8,
    epoch: Instant,
}

impl Shared {
    pub fn new() -> Self {
        Self {
            phase: AtomicU8::new(Phase::Warmup as u8),
            epoch: Instant::now(),
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Relaxed)
    }

    /// Microseconds since the run began: what a message carries as its send time.
    fn now_micros(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }
}

/// An open connection, its `ready` frame read.
pub struct OpenSocket {
    pub stream: Socket,
    pub room: usize,
    pub index_in_room: usize,
}

/// Opens one WebSocket per member of every room, `concurrency` handshakes at a time.
pub async fn open_all(
    ws_base: &str,
    rooms: &[Room],
    concurrency: usize,
    baseline: bool,
) -> anyhow::Result<Vec<OpenSocket>> {
    let targets = rooms.iter().enumerate().flat_map(|(r, room)| {
        room.members.iter().enumerate().map(move |(i, member)| {
            let url = if baseline {
                format!("{ws_base}/ws?room={}", room.id)
            } else {
                format!("{ws_base}/api/ws?access_token={}", member.token)
            };
            (r, i, url)
        })
    });
    stream::iter(targets)
        .map(|(room, index_in_room, url)| async move {
            Ok::<_, anyhow::Error>(OpenSocket {
                stream: open(&url).await?,
                room,
                index_in_room,
            })
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await
}

async fn open(url: &str) -> anyhow::Result<Socket> {
    // Small buffers: a thousand clients at the default 128 KiB each would be wasteful.
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .context("opening a WebSocket")?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if frame_type(&text) == Some("ready") => {
                return Ok(socket);
            }
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(error).context("waiting for the ready frame"),
            None => return Err(anyhow!("the server closed before the ready frame")),
        }
    }
}

/// What a sender sends.
pub struct SenderPlan {
    pub conversation_id: String,
    /// Makes the sender's client ids unique to it.
    pub tag: String,
    /// Un-acked sends at most.
    pub window: usize,
    pub content_bytes: usize,
    /// Send one message per interval (open loop) rather than keeping the window full.
    pub interval: Option<std::time::Duration>,
}

impl SenderPlan {
    fn frame(&self, number: u64, sent_at_micros: u64) -> String {
        let stamp = format!("t={sent_at_micros} ");
        let padding = self.content_bytes.saturating_sub(stamp.len());
        format!(
            r#"{{"type":"message.send","conversation_id":"{}","client_id":"{}-{number}","content":"{stamp}{}"}}"#,
            self.conversation_id,
            self.tag,
            "x".repeat(padding)
        )
    }
}

/// What one client saw: in the measured window, and over the whole run.
#[derive(Debug, Default)]
pub struct Stats {
    /// `message.created` frames received in the window.
    pub deliveries: u64,
    /// Sends acknowledged in the window.
    pub acks: u64,
    pub delivery_latency: Histogram,
    pub ack_latency: Histogram,
    /// Over the whole run, warm-up and drain included.
    pub total_sent: u64,
    pub total_acks: u64,
    pub total_deliveries: u64,
    /// Error frames by code, over the whole run.
    pub errors: HashMap<String, u64>,
    /// Connections that ended before the run did.
    pub lost: u64,
}

impl Stats {
    pub fn merge(&mut self, other: &Stats) {
        self.deliveries += other.deliveries;
        self.acks += other.acks;
        self.delivery_latency.merge(&other.delivery_latency);
        self.ack_latency.merge(&other.ack_latency);
        self.total_sent += other.total_sent;
        self.total_acks += other.total_acks;
        self.total_deliveries += other.total_deliveries;
        for (code, count) in &other.errors {
            *self.errors.entry(code.clone()).or_default() += count;
        }
        self.lost += other.lost;
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Runs one connection until `stop`: a sender keeps its window of sends full until the
/// drain phase; every client counts the frames it receives.
pub async fn drive(
    mut socket: Socket,
    plan: Option<SenderPlan>,
    shared: std::sync::Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Stats {
    let mut stats = Stats::default();
    let mut in_flight = 0usize;
    let mut number = 0u64;
    let mut clock = plan.as_ref().and_then(|p| p.interval).map(|interval| {
        let mut clock = tokio::time::interval(interval);
        clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        clock
    });
    loop {
        if let Some(plan) = &plan
            && plan.interval.is_none()
            && in_flight < plan.window
            && shared.phase() < Phase::Drain as u8
        {
            while in_flight < plan.window {
                number += 1;
                let frame = plan.frame(number, shared.now_micros());
                if socket.feed(Message::text(frame)).await.is_err() {
                    stats.lost += 1;
                    return stats;
                }
                in_flight += 1;
                stats.total_sent += 1;
            }
            if socket.flush().await.is_err() {
                stats.lost += 1;
                return stats;
            }
        }
        let received = tokio::select! {
            biased;
            _ = stop.changed() => return stats,
            _ = next_tick(&mut clock) => {
                if let Some(plan) = &plan
                    && in_flight < plan.window
                    && shared.phase() < Phase::Drain as u8
                {
                    number += 1;
                    let frame = plan.frame(number, shared.now_micros());
                    if socket.send(Message::text(frame)).await.is_err() {
                        stats.lost += 1;
                        return stats;
                    }
                    in_flight += 1;
                    stats.total_sent += 1;
                }
                continue;
            }
            received = socket.next() => received,
        };
        let text = match received {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                stats.lost += 1;
                return stats;
            }
            Some(Ok(_)) => continue,
        };
        let measuring = shared.phase() == Phase::Measure as u8;
        match frame_type(&text) {
            Some("message.created") => {
                stats.total_deliveries += 1;
                if measuring {
                    stats.deliveries += 1;
                    record_latency(&mut stats.delivery_latency, &text, &shared);
                }
            }
            Some("ack") => {
                in_flight = in_flight.saturating_sub(1);
                stats.total_acks += 1;
                if measuring {
                    stats.acks += 1;
                    record_latency(&mut stats.ack_latency, &text, &shared);
                }
            }
            Some("error") => {
                // Only commands are answered with errors here, and only senders send them.
                in_flight = in_flight.saturating_sub(1);
                let code = string_field(&text, "\"code\":\"").unwrap_or("?");
                *stats.errors.entry(code.to_owned()).or_default() += 1;
            }
            _ => {}
        }
    }
}

/// The clock's next tick; never, without a clock.
async fn next_tick(clock: &mut Option<tokio::time::Interval>) {
    match clock {
        Some(clock) => {
            clock.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn record_latency(histogram: &mut Histogram, text: &str, shared: &Shared) {
    if let Some(sent) = sent_at(text) {
        histogram.record(shared.now_micros().saturating_sub(sent));
    }
}

/// The frame's `"type"`, found by a substring search: string values escape their quotes,
/// so the first `"type":"` is a key, and only the frame itself has one.
pub fn frame_type(text: &str) -> Option<&str> {
    string_field(text, "\"type\":\"")
}

/// The string after `key` (`"name":"`), up to its closing quote.
fn string_field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    rest.find('"').map(|end| &rest[..end])
}

/// The send time embedded in the message's content (`"content":"t=<micros> ..."`).
fn sent_at(text: &str) -> Option<u64> {
    const KEY: &str = "\"content\":\"t=";
    let start = text.find(KEY)? + KEY.len();
    let digits = text[start..].bytes().take_while(u8::is_ascii_digit).count();
    text[start..start + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn frames_are_classified_without_parsing_them() {
        let created = r#"{"type":"message.created","conversation_id":"c","seq":3,"message":{"content":"t=1234 \"type\":\"ack\" xx","client_id":"a"}}"#;
        assert_eq!(frame_type(created), Some("message.created"));
        assert_eq!(sent_at(created), Some(1234));
        let ack = r#"{"client_id":"r0s1-2","message":{"content":"t=77 x"},"type":"ack"}"#;
        assert_eq!(frame_type(ack), Some("ack"));
        assert_eq!(sent_at(ack), Some(77));
        let error = r#"{"client_id":null,"code":"rate_limited","message":"m","type":"error"}"#;
        assert_eq!(frame_type(error), Some("error"));
        assert_eq!(string_field(error, "\"code\":\""), Some("rate_limited"));
        assert_eq!(frame_type("{}"), None);
    }

    #[test]
    fn a_send_carries_its_timestamp_and_padding() {
        let plan = SenderPlan {
            conversation_id: "c1".into(),
            tag: "r0s0".into(),
            window: 1,
            content_bytes: 12,
            interval: None,
        };
        let frame = plan.frame(5, 42);
        assert_eq!(
            frame,
            r#"{"type":"message.send","conversation_id":"c1","client_id":"r0s0-5","content":"t=42 xxxxxxx"}"#
        );
        assert_eq!(sent_at(&frame), Some(42));
    }
}
