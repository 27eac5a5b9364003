//! A two-node cluster for the tests in `cluster.rs`: two `palaver-server` processes on one
//! fresh database and one cluster bus (Redis or NATS, on a namespace of the test's own), and
//! the HTTP and WebSocket calls the tests make against either node.
//!
//! When the tests run: they need the bus's server, named by `PALAVER_TEST_REDIS_URL` or
//! `PALAVER_TEST_NATS_URL`. The database is the one every database test uses
//! (`PALAVER_TEST_DATABASE_URL`: PostgreSQL or MySQL; unset, one SQLite file both processes
//! share). The tests are `#[ignore]`d, so a plain run reports them as skipped; run on
//! purpose (`--run-ignored`, as `make test-servers` does) without the bus URL, they fail.

pub mod ws;

use palaver_migrations::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
pub use ws::WsClient;

const BINARY: &str = env!("CARGO_BIN_EXE_palaver-server");
const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config");
pub const PASSWORD: &str = "correct horse battery";
/// How long a node may take to start (connecting to the database and the bus).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The cluster bus a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    Redis,
    Nats,
}

impl Bus {
    fn variable(self) -> &'static str {
        match self {
            Bus::Redis => "PALAVER_TEST_REDIS_URL",
            Bus::Nats => "PALAVER_TEST_NATS_URL",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Bus::Redis => "redis://127.0.0.1:6379",
            Bus::Nats => "nats://127.0.0.1:4222",
        }
    }

    /// The bus server's URL. Panics without one: the test was asked to run on this bus.
    fn url(self) -> String {
        let variable = self.variable();
        std::env::var(variable)
            .ok()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| {
                panic!(
                    "set {variable} (e.g. {}) to run the two-node cluster tests on it",
                    self.example()
                )
            })
    }
}

/// A registered user and their access token.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub token: String,
}

/// Two nodes, `a` and `b`, sharing a database and a bus.
pub struct Cluster {
    pub a: Node,
    pub b: Node,
    pub http: reqwest::Client,
    // Dropped last: the nodes are killed before their database goes away.
    _database: TestDatabase,
}

impl Cluster {
    /// Starts the two nodes with `overrides` (`PALAVER__...` variables) on top of the test
    /// configuration.
    pub async fn start(bus: Bus, overrides: &[(&str, &str)]) -> Cluster {
        let bus_url = bus.url();
        let database = TestDatabase::create().await;
        let namespace = format!("palaver-cluster-test.{}", uuid::Uuid::new_v4().simple());
        let mut variables: Vec<(String, String)> = [
            ("PALAVER_ENV", "test"),
            ("PALAVER_CONFIG_DIR", CONFIG_DIR),
            ("PALAVER__SERVER__BIND", "127.0.0.1:0"),
            ("PALAVER__DATABASE__URL", database.url()),
            // TestDatabase has migrated it already.
            ("PALAVER__DATABASE__MIGRATE_ON_START", "false"),
            ("PALAVER__PUBSUB__URL", &bus_url),
            ("PALAVER__PUBSUB__NAMESPACE", &namespace),
            ("PALAVER__LOG__FORMAT", "json"),
            // "palaver is serving" (with the bound address) is logged at info.
            ("PALAVER__LOG__FILTER", "warn,palaver_server=info"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        variables.extend(
            overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        eprintln!(
            "cluster: {bus:?} at {bus_url}, namespace {namespace}, database {}",
            database.backend_name()
        );
        let a = Node::start("A", &variables);
        let b = Node::start("B", &variables);
        let (a, b) = tokio::join!(a, b);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Cluster {
            a,
            b,
            http,
            _database: database,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, &url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!("{url}: non-JSON body {}", String::from_utf8_lossy(&bytes))
            })
        };
        (status, body)
    }

    pub async fn register(&self, node: &Node, username: &str) -> Account {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                node.url("/api/auth/register"),
                None,
                Some(json!({ "username": username, "password": PASSWORD })),
            )
            .await;
        assert_eq!(
            status, 201,
            "registering {username} on {}: {body}",
            node.name
        );
        Account {
            id: body["user"]["id"].as_str().unwrap().to_owned(),
            username: username.to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A group of `owner` and `members`, created on `node`; returns its id.
    pub async fn create_group(&self, node: &Node, owner: &Account, members: &[&Account]) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                node.url("/api/conversations"),
                Some(&owner.token),
                Some(json!({ "kind": "group", "name": "the cluster", "member_ids": ids })),
            )
            .await;
        assert_eq!(status, 201, "creating a group on {}: {body}", node.name);
        body["id"].as_str().unwrap().to_owned()
    }

    /// Sends a message over REST to `node`; returns the created message.
    pub async fn send_rest(
        &self,
        node: &Node,
        from: &Account,
        conversation: &str,
        content: &str,
        client_id: &str,
    ) -> Value {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                node.url(&format!("/api/conversations/{conversation}/messages")),
                Some(&from.token),
                Some(json!({ "content": content, "client_id": client_id })),
            )
            .await;
        assert_eq!(status, 201, "sending over REST to {}: {body}", node.name);
        body
    }

    /// The ids `GET /api/users/online` on `node` lists.
    pub async fn online(&self, node: &Node, reader: &Account) -> BTreeSet<String> {
        let (status, body) = self
            .call(
                reqwest::Method::GET,
                node.url("/api/users/online?limit=200"),
                Some(&reader.token),
                None,
            )
            .await;
        assert_eq!(
            status, 200,
            "GET /api/users/online on {}: {body}",
            node.name
        );
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Polls `GET /api/users/online` on `node` until it lists exactly `expected`.
    pub async fn wait_online(
        &self,
        node: &Node,
        reader: &Account,
        expected: &[&Account],
        within: Duration,
    ) {
        let expected: BTreeSet<String> = expected.iter().map(|a| a.id.clone()).collect();
        let deadline = Instant::now() + within;
        loop {
            let online = self.online(node, reader).await;
            if online == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "GET /api/users/online on {} lists {online:?}, not {expected:?}, after {within:?}",
                node.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens a WebSocket on `node` as `account` and reads its `ready` frame.
    pub async fn connect(&self, node: &Node, account: &Account, device: &str) -> WsClient {
        let url = format!(
            "ws://{}/api/ws?access_token={}",
            node.address, account.token
        );
        WsClient::connect(
            &url,
            &format!("{}'s {device} on {}", account.username, node.name),
        )
        .await
    }
}

/// One `palaver-server serve` process; killed (and its logs printed, if the test failed)
/// when dropped.
pub struct Node {
    pub name: &'static str,
    pub address: String,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Node {
    async fn start(name: &'static str, variables: &[(String, String)]) -> Node {
        let mut child = Command::new(BINARY)
            .arg("serve")
            .env_clear()
            .envs(variables.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting palaver-server");
        let logs = Arc::new(Mutex::new(Vec::new()));
        collect_lines(child.stdout.take().unwrap(), logs.clone());
        collect_lines(child.stderr.take().unwrap(), logs.clone());
        let mut node = Node {
            name,
            address: String::new(),
            child,
            logs,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        node.address = loop {
            if let Some(address) = node.serving_address() {
                break address;
            }
            if let Some(status) = node.child.try_wait().unwrap() {
                panic!(
                    "node {name} exited ({status}) before serving:\n{}",
                    node.logs()
                );
            }
            assert!(
                Instant::now() < deadline,
                "node {name} did not start serving within {START_TIMEOUT:?}:\n{}",
                node.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        node
    }

    /// The address in the "palaver is serving" log line, once logged.
    fn serving_address(&self) -> Option<String> {
        let logs = self.logs.lock().unwrap();
        logs.iter()
            .filter(|line| line.contains("palaver is serving"))
            .find_map(|line| {
                let event: Value = serde_json::from_str(line).ok()?;
                Some(event["address"].as_str()?.to_owned())
            })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// SIGKILL: the node dies at once, saying goodbye to nobody.
    pub fn kill(&mut self) {
        self.child.kill().expect("killing a node");
        self.child.wait().expect("reaping a node");
    }

    /// SIGTERM, then waits (at most 30 s) for the process to exit; its exit status.
    pub async fn terminate(&mut self) -> ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(killed.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "node {} still runs 30 s after SIGTERM:\n{}",
                self.name,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Harmless if it has exited already.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "---- logs of node {} ({}) ----\n{}\n---- end of node {} ----",
                self.name,
                self.address,
                self.logs(),
                self.name
            );
        }
    }
}

/// Reads `stream` line by line into `logs` on a thread of its own, so that a full pipe
/// never blocks the node.
fn collect_lines(stream: impl Read + Send + 'static, logs: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            logs.lock().unwrap().push(line);
        }
    });
}

/// Frames of `frames` as a short, readable list, for failure messages.
pub fn describe(frames: &[Value]) -> String {
    frames
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}
