//! Login throttling across two nodes: on a Redis bus the nodes share one count per
//! account, so the limit holds cluster-wide; on NATS (which holds no counters) each node
//! counts for itself. Run as `cluster.rs` says, with the bus servers named.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

#[allow(dead_code)] // shared with cluster.rs; this binary uses a part of it
mod cluster_support;

use cluster_support::{Bus, Cluster};
use serde_json::json;

/// Tries `attempts` wrong passwords for `username`, alternating between the nodes;
/// returns each answer's status, and checks every 429 in passing.
async fn wrong_passwords(cluster: &Cluster, username: &str, attempts: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for attempt in 0..attempts {
        let node = if attempt % 2 == 0 {
            &cluster.a
        } else {
            &cluster.b
        };
        let response = cluster
            .http
            .post(node.url("/api/auth/login"))
            .json(&json!({ "username": username, "password": "not the password" }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=300).contains(&wait), "Retry-After: {wait}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
        }
        statuses.push(status);
    }
    statuses
}

/// `count` 401s, then only 429s.
fn refused_after(statuses: &[u16], count: usize) {
    let expected: Vec<u16> = (0..statuses.len())
        .map(|n| if n < count { 401 } else { 429 })
        .collect();
    assert_eq!(statuses, expected);
}

mod redis_cluster {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs Redis: set PALAVER_TEST_REDIS_URL (make test-servers runs it)"]
    async fn forty_wrong_passwords_over_two_nodes_meet_one_limit() {
        super::forty_wrong_passwords_over_two_nodes_meet_one_limit().await;
    }
}

mod nats_cluster {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs NATS: set PALAVER_TEST_NATS_URL (make test-servers runs it)"]
    async fn each_node_counts_for_itself() {
        super::each_node_counts_for_itself().await;
    }
}

async fn forty_wrong_passwords_over_two_nodes_meet_one_limit() {
    let cluster = Cluster::start(Bus::Redis, &[]).await;
    let ada = cluster.register(&cluster.a, "ada").await;
    // The default limit: 10 attempts per account per window, counted once for both nodes.
    refused_after(&wrong_passwords(&cluster, &ada.username, 40).await, 10);
    // The right password is refused too while the account is throttled, on either node.
    for node in [&cluster.a, &cluster.b] {
        let right = cluster
            .http
            .post(node.url("/api/auth/login"))
            .json(&json!({ "username": ada.username, "password": cluster_support::PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(right.status(), 429);
    }
}

async fn each_node_counts_for_itself() {
    let cluster = Cluster::start(Bus::Nats, &[]).await;
    let ada = cluster.register(&cluster.a, "ada").await;
    // Each node lets 10 through before refusing: 20 in all, alternating.
    refused_after(&wrong_passwords(&cluster, &ada.username, 40).await, 20);
}
