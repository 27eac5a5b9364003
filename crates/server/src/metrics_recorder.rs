//! The process's one Prometheus recorder. `metrics` allows a single global recorder per
//! process, and tests start many servers in one process: every server renders the same one.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use palaver_persistence::Database;
use palaver_web::MetricsEndpoint;
use std::sync::OnceLock;

/// Latency buckets, in seconds, for every `_seconds` histogram: 0.5 ms to 10 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The handle of the recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(install).clone()
}

fn install() -> PrometheusHandle {
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "histogram buckets refused; rendering summaries instead");
            PrometheusBuilder::new()
        });
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    match metrics::set_global_recorder(recorder) {
        Ok(()) => describe(),
        // Someone else's recorder (an embedding program's) came first: /metrics answers,
        // but with nothing recorded.
        Err(error) => tracing::warn!(%error, "another metrics recorder is installed"),
    }
    handle
}

/// How often the recorder drains histogram samples when nobody scrapes it.
const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the recorder's upkeep every [`UPKEEP_INTERVAL`] (a scrape runs it too), so that
/// samples do not pile up on a node nobody scrapes.
pub async fn upkeep_periodically() {
    let handle = handle();
    let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        handle.run_upkeep();
    }
}

/// `GET /metrics` for a server on `database`: the recorder, plus the pool's gauges read at
/// each scrape.
pub fn endpoint(database: Database) -> MetricsEndpoint {
    MetricsEndpoint::new(handle()).sample_before_render(move || {
        if let Some(usage) = database.pool_usage() {
            for (state, value) in [
                ("idle", usage.idle),
                ("in_use", usage.in_use),
                ("max", usage.max),
            ] {
                metrics::gauge!("palaver_db_pool_connections", "state" => state)
                    .set(f64::from(value));
            }
        }
    })
}

/// The HELP lines. Each crate records its own metrics through the facade; they are all
/// described here, where the recorder is installed.
fn describe() {
    describe_counter!(
        "palaver_http_requests_total",
        "HTTP requests answered, by method, route pattern and status"
    );
    describe_histogram!(
        "palaver_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route pattern"
    );
    describe_counter!("palaver_messages_sent_total", "Messages stored");
    describe_histogram!(
        "palaver_message_persist_seconds",
        Unit::Seconds,
        "Time to store a message (sequence, insert, conversation update)"
    );
    describe_gauge!(
        "palaver_db_pool_connections",
        "Database pool connections: idle, in_use and the max (on SQLite with the message writer's own)"
    );
    describe_counter!(
        "palaver_bus_published_total",
        "Payloads the cluster bus server accepted from this node, by bus"
    );
    describe_counter!(
        "palaver_bus_received_total",
        "Payloads this node received from the cluster bus, by bus"
    );
    describe_gauge!("palaver_ws_connections", "Open WebSocket connections");
    describe_counter!("palaver_ws_frames_sent_total", "WebSocket frames sent");
    describe_counter!(
        "palaver_ws_frames_received_total",
        "WebSocket frames received"
    );
    describe_counter!(
        "palaver_fanout_deliveries_total",
        "Events queued to WebSocket connections"
    );
}
