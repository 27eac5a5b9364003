//! deploy/grafana/palaver.json charts every metric the contract lists.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

use serde_json::Value;

const DEPLOY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy");

/// Every metric API.md lists, as the Grafana dashboard must chart it.
const API_METRICS: &[&str] = &[
    "palaver_http_requests_total",
    "palaver_http_request_duration_seconds",
    "palaver_ws_connections",
    "palaver_ws_frames_sent_total",
    "palaver_ws_frames_received_total",
    "palaver_messages_sent_total",
    "palaver_message_persist_seconds",
    "palaver_fanout_deliveries_total",
    "palaver_db_pool_connections",
    "palaver_bus_published_total",
    "palaver_bus_received_total",
];

#[test]
fn the_grafana_dashboard_charts_every_listed_metric() {
    let text = std::fs::read_to_string(format!("{DEPLOY_DIR}/grafana/palaver.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let expressions: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| target["expr"].as_str().unwrap().to_owned())
        .collect();
    for metric in API_METRICS {
        assert!(
            expressions.iter().any(|expr| expr.contains(metric)),
            "no panel charts {metric}"
        );
    }
    // Histograms are charted from their buckets.
    for histogram in [
        "palaver_http_request_duration_seconds",
        "palaver_message_persist_seconds",
    ] {
        assert!(
            expressions
                .iter()
                .any(|expr| expr.contains(&format!("{histogram}_bucket"))),
            "{histogram} is not charted as a histogram"
        );
    }
}
