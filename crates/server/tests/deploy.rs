//! The deployment recipe, run: nginx with deploy/nginx/palaver.conf (loopback ports and
//! temporary paths substituted) in front of two palaver-server nodes on PostgreSQL and
//! Redis, checked over HTTPS with a certificate from deploy/tls/make-self-signed-cert.sh.
//!
//! `make test-deploy` runs it (it needs nginx, PALAVER_TEST_POSTGRES_URL and
//! PALAVER_TEST_REDIS_URL); it is `#[ignore]`d otherwise, and fails if run without them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

#[allow(dead_code)] // the cluster tests use the rest
mod cluster_support;

use cluster_support::{Bus, Cluster, WsClient};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEPLOY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy");
const PROMPTLY: Duration = Duration::from_secs(10);

/// nginx running the deploy config from a directory of its own, stopped on drop.
struct Proxy {
    child: Child,
    directory: PathBuf,
    http_port: u16,
    https_port: u16,
    certificate: Vec<u8>,
}

impl Proxy {
    fn start(upstreams: [&str; 2]) -> Proxy {
        let directory =
            std::env::temp_dir().join(format!("palaver-deploy-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&directory).unwrap();
        let made = Command::new(format!("{DEPLOY_DIR}/tls/make-self-signed-cert.sh"))
            .arg(&directory)
            .arg("localhost")
            .output()
            .expect("running deploy/tls/make-self-signed-cert.sh");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let (http_port, https_port) = (free_port(), free_port());
        let site = site_config(&directory, upstreams, http_port, https_port);
        std::fs::write(directory.join("palaver.conf"), site).unwrap();
        std::fs::write(directory.join("nginx.conf"), main_config(&directory)).unwrap();
        let nginx = std::env::var("PALAVER_TEST_NGINX").unwrap_or_else(|_| "nginx".into());
        let child = Command::new(&nginx)
            .arg("-p")
            .arg(&directory)
            .arg("-c")
            .arg(directory.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("starting {nginx} (apt-get install nginx): {error}"));
        let certificate = std::fs::read(directory.join("palaver.crt")).unwrap();
        Proxy {
            child,
            directory,
            http_port,
            https_port,
            certificate,
        }
    }

    fn https(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.https_port)
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.directory.join("error.log")).unwrap_or_default()
    }

    /// A client that trusts only the test certificate.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&self.certificate).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    fn websocket_tls(&self) -> tokio_tungstenite::Connector {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(&self.certificate).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_tungstenite::Connector::Rustls(Arc::new(config))
    }

    async fn wait_until_serving(&mut self) {
        let client = self.client();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("nginx exited ({status}):\n{}", self.error_log());
            }
            if let Ok(response) = client.get(self.https("/healthz")).send().await
                && response.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not serve /healthz:\n{}",
                self.error_log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        std::fs::remove_dir_all(&self.directory).ok();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// deploy/nginx/palaver.conf with loopback ports, the test certificate, temporary log
/// paths and the two nodes' addresses. Every substitution must find its line, so that the
/// recipe cannot drift from what is tested.
fn site_config(directory: &Path, upstreams: [&str; 2], http: u16, https: u16) -> String {
    let upstream_file = directory.join("palaver-upstream.conf");
    let upstream = substitute(
        "palaver-upstream.conf",
        &[
            (
                "server 127.0.0.1:8080 ",
                format!("server {} ", upstreams[0]),
            ),
            (
                "server 127.0.0.1:8081 ",
                format!("server {} ", upstreams[1]),
            ),
        ],
    );
    std::fs::write(&upstream_file, upstream).unwrap();
    let directory = directory.display();
    substitute(
        "palaver.conf",
        &[
            (
                "/etc/nginx/palaver-upstream.conf",
                upstream_file.display().to_string(),
            ),
            ("listen 80;", format!("listen 127.0.0.1:{http};")),
            ("listen [::]:80;", String::new()),
            ("listen 443 ssl;", format!("listen 127.0.0.1:{https} ssl;")),
            ("listen [::]:443 ssl;", String::new()),
            (
                "/etc/palaver/tls/palaver.crt",
                format!("{directory}/palaver.crt"),
            ),
            (
                "/etc/palaver/tls/palaver.key",
                format!("{directory}/palaver.key"),
            ),
            (
                "/var/log/nginx/palaver.access.log",
                format!("{directory}/access.log"),
            ),
        ],
    )
}

/// deploy/nginx/`file` with each `(from, to)` applied; each `from` must be there.
fn substitute(file: &str, substitutions: &[(&str, String)]) -> String {
    let mut config = std::fs::read_to_string(format!("{DEPLOY_DIR}/nginx/{file}")).unwrap();
    for (from, to) in substitutions {
        assert!(config.contains(from), "deploy/nginx/{file} has no {from:?}");
        config = config.replace(from, to);
    }
    config
}

fn main_config(directory: &Path) -> String {
    let directory = directory.display();
    format!(
        "worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/palaver.conf;
}}
"
    )
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The sum of a counter's samples in a node's own /metrics (straight to the node).
async fn counter(node_metrics_url: String, name: &str) -> f64 {
    let text = reqwest::get(node_metrics_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| series.split('{').next() == Some(name))
        .map(|(_, value)| value.parse::<f64>().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nginx, PostgreSQL and Redis: make test-deploy"]
async fn nginx_serves_rest_and_websockets_across_two_nodes_over_https() {
    let database = std::env::var("PALAVER_TEST_DATABASE_URL").unwrap_or_default();
    assert!(
        database.starts_with("postgres"),
        "set PALAVER_TEST_DATABASE_URL to a PostgreSQL server (make test-deploy does)"
    );
    let cluster = Cluster::start(Bus::Redis, &[]).await;
    let mut proxy = Proxy::start([&cluster.a.address, &cluster.b.address]);
    proxy.wait_until_serving().await;
    let client = proxy.client();

    // Plain HTTP is redirected to HTTPS.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{}/api/users/me", proxy.http_port))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    let location = plain.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://") && location.ends_with("/api/users/me"),
        "{location}"
    );

    // REST over HTTPS, with the request id passed through and HSTS added.
    let health = client
        .get(proxy.https("/healthz"))
        .header("x-request-id", "deploy-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["x-request-id"], "deploy-check-1");
    assert!(health.headers().contains_key("strict-transport-security"));
    let proxied_id = client.get(proxy.https("/healthz")).send().await.unwrap();
    assert!(
        !proxied_id.headers()["x-request-id"].is_empty(),
        "nginx names requests itself"
    );

    let mut accounts = Vec::new();
    for username in ["ada", "bob"] {
        let (status, body) = call(
            &client,
            reqwest::Method::POST,
            proxy.https("/api/auth/register"),
            None,
            Some(json!({ "username": username, "password": cluster_support::PASSWORD })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        accounts.push((
            body["user"]["id"].as_str().unwrap().to_owned(),
            body["access_token"].as_str().unwrap().to_owned(),
        ));
    }
    let [(_, ada), (bob_id, bob)] = [accounts[0].clone(), accounts[1].clone()];
    let (status, group) = call(
        &client,
        reqwest::Method::POST,
        proxy.https("/api/conversations"),
        Some(&ada),
        Some(json!({ "kind": "group", "name": "deployed", "member_ids": [bob_id] })),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();

    // WebSockets through the proxy; messages sent through it land on either node (round
    // robin, no stickiness) and every one reaches bob's socket, wherever it is.
    let ws_url = |token: &str| {
        format!(
            "wss://localhost:{}/api/ws?access_token={token}",
            proxy.https_port
        )
    };
    let mut bob_socket = WsClient::connect_with(
        &ws_url(&bob),
        "bob through nginx",
        Some(proxy.websocket_tls()),
    )
    .await;
    let mut ada_socket = WsClient::connect_with(
        &ws_url(&ada),
        "ada through nginx",
        Some(proxy.websocket_tls()),
    )
    .await;
    const REST_SENDS: i64 = 6;
    for n in 1..=REST_SENDS {
        let (status, body) = call(
            &client,
            reqwest::Method::POST,
            proxy.https(&format!("/api/conversations/{group}/messages")),
            Some(&ada),
            Some(json!({ "content": format!("over REST {n}") })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let ack = ada_socket
        .command(json!({
            "type": "message.send", "conversation_id": group,
            "content": "over the socket", "client_id": "deploy-ws-1",
        }))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for seq in 1..=REST_SENDS + 1 {
        let frame = bob_socket
            .next_where("message.created", PROMPTLY, |frame| {
                frame["type"] == "message.created"
            })
            .await;
        assert_eq!(frame["message"]["seq"], seq, "{frame}");
    }

    // Both nodes stored messages, so some of what bob heard crossed the bus; each node's
    // own metrics show it.
    for node in [&cluster.a, &cluster.b] {
        let metrics = node.url("/metrics");
        for name in [
            "palaver_messages_sent_total",
            "palaver_bus_published_total",
            "palaver_bus_received_total",
            "palaver_http_requests_total",
        ] {
            let value = counter(metrics.clone(), name).await;
            assert!(value > 0.0, "node {}: {name} is {value}", node.name);
        }
    }
}
