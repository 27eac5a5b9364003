//! palaver-loadgen: drives a running Palaver server through its real-time gateway and
//! reports how many messages it persists and delivers per second.
//!
//! It registers users, puts them in rooms (groups) of `--members`, opens one WebSocket per
//! member, and then, for `--duration` seconds after a warm-up, lets `--senders` members of
//! each room send `message.send` commands, each keeping at most `--in-flight` un-acked.
//! Every frame is classified by its `"type"` with a substring search, not a JSON parser,
//! since the load generator shares the machine's cores with the server it measures.

mod client;
mod histogram;
mod procfs;
mod report;
mod setup;

use anyhow::Context;
use clap::Parser;
use client::{Phase, SenderPlan, Shared};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "palaver-loadgen",
    about = "Load generator for Palaver's WebSocket gateway"
)]
pub struct Options {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Rooms (group conversations) to create.
    #[arg(long, default_value_t = 10)]
    pub rooms: usize,
    /// Members per room, each with one WebSocket.
    #[arg(long, default_value_t = 100)]
    pub members: usize,
    /// Members of each room who send.
    #[arg(long, default_value_t = 4)]
    pub senders: usize,
    /// Un-acked sends each sender keeps in flight.
    #[arg(long, default_value_t = 8)]
    pub in_flight: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Seconds of sending before the measurement starts.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// Bytes of message content (at least the embedded timestamp).
    #[arg(long, default_value_t = 32)]
    pub content_bytes: usize,
    /// The server's process id, to read its memory and CPU time from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Worker threads of the load generator's own runtime.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Registrations, room creations and WebSocket handshakes run at once during set-up.
    #[arg(long, default_value_t = 32)]
    pub setup_concurrency: usize,
    /// How long to wait after the last send for acks and deliveries still on their way.
    #[arg(long, default_value_t = 3)]
    pub drain: u64,
    /// Messages per second across all senders, sent on a clock (open loop) instead of
    /// keeping `--in-flight` un-acked; `--in-flight` then only caps what is outstanding.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Against the bare broadcast baseline (`palaver-baseline`): no REST set-up; each
    /// client joins its room with `/ws?room=`.
    #[arg(long)]
    pub baseline: bool,
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    anyhow::ensure!(
        options.rooms > 0 && options.members > 0,
        "no clients to run"
    );
    anyhow::ensure!(
        options.senders <= options.members,
        "more senders than members"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.threads.max(1))
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let base = options.url.trim_end_matches('/').to_owned();
    let started = Instant::now();
    let rooms = if options.baseline {
        setup::baseline_rooms(&options)
    } else {
        setup::populate(&base, &options).await?
    };
    let setup_time = started.elapsed();

    let rss_before = options.server_pid.and_then(procfs::rss_kib);
    let opening = Instant::now();
    let ws_base = setup::websocket_url(&base)?;
    let sockets = client::open_all(
        &ws_base,
        &rooms,
        options.setup_concurrency,
        options.baseline,
    )
    .await?;
    let open_time = opening.elapsed();
    let connections = sockets.len();
    // Let the server finish whatever the connections set off (presence) before reading.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = options.server_pid.and_then(procfs::rss_kib);

    let shared = Arc::new(Shared::new());
    let senders = (options.rooms * options.senders).max(1) as f64;
    let interval = options
        .rate
        .filter(|rate| *rate > 0.0)
        .map(|rate| Duration::from_secs_f64(senders / rate));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::with_capacity(connections);
    for socket in sockets {
        let plan = (socket.index_in_room < options.senders).then(|| SenderPlan {
            conversation_id: rooms[socket.room].id.clone(),
            tag: format!("r{}s{}", socket.room, socket.index_in_room),
            window: options.in_flight.max(1),
            content_bytes: options.content_bytes,
            interval,
        });
        tasks.push(tokio::spawn(client::drive(
            socket.stream,
            plan,
            shared.clone(),
            stop_rx.clone(),
        )));
    }

    tokio::time::sleep(Duration::from_secs(options.warmup)).await;
    let cpu_start = procfs::CpuSample::take(options.server_pid);
    let window_start = Instant::now();
    shared.set_phase(Phase::Measure);
    tokio::time::sleep(Duration::from_secs(options.duration)).await;
    shared.set_phase(Phase::Drain);
    let window = window_start.elapsed();
    let cpu_end = procfs::CpuSample::take(options.server_pid);
    tokio::time::sleep(Duration::from_secs(options.drain)).await;
    let _ = stop_tx.send(true);

    let mut totals = client::Stats::default();
    for task in tasks {
        match task.await {
            Ok(stats) => totals.merge(&stats),
            Err(error) => eprintln!("a client task failed: {error}"),
        }
    }
    let report = report::Report {
        options: &options,
        connections,
        setup_time,
        open_time,
        rss_before,
        rss_after,
        window,
        cpu: cpu_start.zip(cpu_end),
        totals: &totals,
    };
    print!("{report}");
    Ok(())
}
