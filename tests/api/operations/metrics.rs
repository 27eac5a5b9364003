use palaver_tests::TestServer;
use serde_json::json;

/// The metrics API.md names that this side of the server records, each with the series
/// (name and labels) that the traffic below must have made non-zero.
const RECORDED_HERE: &[(&str, &[&str])] = &[
    (
        "palaver_http_requests_total",
        &[
            r#"method="POST""#,
            r#"route="/api/conversations/{id}/messages""#,
            r#"status="201""#,
        ],
    ),
    (
        "palaver_http_request_duration_seconds_count",
        &[r#"route="/api/conversations/{id}/messages""#],
    ),
    ("palaver_messages_sent_total", &[]),
    ("palaver_message_persist_seconds_count", &[]),
    ("palaver_db_pool_connections", &[r#"state="max""#]),
    ("palaver_ws_connections", &[]),
    ("palaver_ws_frames_sent_total", &[]),
    ("palaver_ws_frames_received_total", &[]),
    ("palaver_fanout_deliveries_total", &[]),
];

/// Recorded only by a server on a cluster bus (`PALAVER_TEST_PUBSUB_URL`).
const RECORDED_ON_A_BUS: &[&str] = &["palaver_bus_published_total", "palaver_bus_received_total"];

/// The sum of the samples of `name` whose labels contain every one of `labels`.
fn sum(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let samples: Vec<f64> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name && labels.iter().all(|label| series_labels.contains(label))
        })
        .map(|(_, value)| value.parse::<f64>().unwrap())
        .collect();
    (!samples.is_empty()).then(|| samples.iter().sum())
}

async fn scrape(server: &TestServer) -> String {
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn after_some_traffic_metrics_shows_each_listed_metric_non_zero() {
    let server = TestServer::start().await;
    let (ada, bob) = (server.register("ada").await, server.register("bob").await);
    let group = server.create_conversation(&ada, "group", &[&bob]).await;
    let mut bobs_socket = server.connect(&bob).await;
    let mut adas_socket = server.connect(&ada).await;
    assert_eq!(
        server.send(&ada, &group, "over REST", None).await.status,
        201
    );
    let ack = adas_socket
        .command(json!({"type": "message.send", "conversation_id": group, "content": "over WS", "client_id": "ws-1"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    bobs_socket.next_of("message.created").await;

    let text = scrape(&server).await;
    for (name, labels) in RECORDED_HERE {
        let value =
            sum(&text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"));
        assert!(value > 0.0, "{name} {labels:?} is {value}");
    }
    if std::env::var("PALAVER_TEST_PUBSUB_URL").is_ok_and(|url| !url.is_empty()) {
        for name in RECORDED_ON_A_BUS {
            let value = sum(&text, name, &[]).unwrap_or_else(|| panic!("no {name} in\n{text}"));
            assert!(value > 0.0, "{name} is {value}");
        }
    }
    // Routes are labelled by pattern, never by the raw path.
    assert!(
        !text.contains(&group),
        "a conversation id leaked into a label:\n{text}"
    );
    // Histograms have buckets, not only quantiles.
    assert!(
        text.contains("palaver_message_persist_seconds_bucket{le="),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_paths_share_one_route_label() {
    let server = TestServer::start().await;
    for path in ["/no/such/route", "/another/unknown/path"] {
        assert_eq!(server.get(path, None).await.status, 404);
    }
    let text = scrape(&server).await;
    let unmatched = sum(
        &text,
        "palaver_http_requests_total",
        &[r#"route="unmatched""#, r#"status="404""#],
    );
    assert!(unmatched.is_some_and(|count| count >= 2.0), "{text}");
    assert!(!text.contains("/no/such/route"), "{text}");
}

#[tokio::test]
async fn metrics_answers_only_get() {
    let server = TestServer::start().await;
    let reply = server.post("/metrics", None, json!({})).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.code(), "method_not_allowed");
}
