//! What palaver-server writes to its log: request lines tied to their request id, and
//! operator commands that do not drown their answer in migration lines.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod binary;

use palaver_migrations::testing::TestDatabase;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn command(database_url: &str) -> Command {
    let mut command = binary::command(database_url);
    command.env("PALAVER__LOG__FILTER", "info");
    command
}

/// A serving palaver-server whose stdout lines are collected as they come.
struct Serving {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    port: u16,
}

impl Serving {
    async fn start(database: &TestDatabase) -> Self {
        let port = binary::free_port();
        let mut child = command(database.url())
            .arg("serve")
            .env("PALAVER__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("PALAVER__LOG__FORMAT", "json")
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let collected = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        // Built before waiting, so that a server that never comes up is still stopped.
        let serving = Self { child, lines, port };
        binary::wait_until_up(port).await;
        serving
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits for the first JSON log line `matches` accepts (the log is written
    /// asynchronously to the answer).
    async fn wait_for_line(&self, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .find(|line| matches(line));
            if let Some(line) = found {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no such log line in:\n{}",
                self.lines.lock().unwrap().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

#[tokio::test]
async fn a_request_id_comes_back_and_tags_the_log_lines_of_its_request() {
    let database = TestDatabase::create().await;
    let server = Serving::start(&database).await;
    let client = reqwest::Client::new();
    let register: Value = client
        .post(server.url("/api/auth/register"))
        .json(&serde_json::json!({ "username": "ada", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let me = client
        .get(server.url("/api/users/me"))
        .bearer_auth(register["access_token"].as_str().unwrap())
        .header("x-request-id", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.headers()["x-request-id"], "abc");

    let line = server
        .wait_for_line(|line| line["span"]["request_id"] == "abc" && line["message"] == "request")
        .await;
    let span = &line["span"];
    assert_eq!(span["method"], "GET", "{line}");
    assert_eq!(span["route"], "/api/users/me", "{line}");
    assert_eq!(span["user_id"], register["user"]["id"], "{line}");
    assert_eq!(line["status"], 200, "{line}");
    assert!(
        line["elapsed_us"].is_u64(),
        "a whole number of microseconds: {line}"
    );

    // Another request's lines carry its own id, never this one.
    client.get(server.url("/healthz")).send().await.unwrap();
    let other = server
        .wait_for_line(|line| line["span"]["route"] == "/healthz" && line["message"] == "request")
        .await;
    assert_ne!(other["span"]["request_id"], "abc");
    assert!(other["span"]["user_id"].is_null(), "{other}");
}

#[tokio::test]
async fn a_refused_request_head_is_no_error_in_the_log() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let database = TestDatabase::create().await;
    let server = Serving::start(&database).await;
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: palaver\r\nnot a header\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    // The server closes the connection once it has answered and logged.
    socket.read_to_end(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 400 "), "{answer:?}");

    // A later request's line comes after anything logged for the refusal.
    reqwest::Client::new()
        .get(server.url("/healthz"))
        .header("x-request-id", "after-the-refusal")
        .send()
        .await
        .unwrap();
    server
        .wait_for_line(|line| line["span"]["request_id"] == "after-the-refusal")
        .await;
    let errors: Vec<String> = server
        .lines
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains(r#""level":"ERROR""#))
        .cloned()
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// A fresh SQLite database in a directory of its own; the command migrates it.
fn fresh_sqlite_url() -> (std::path::PathBuf, String) {
    let directory = std::env::temp_dir().join(format!("palaver-logs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&directory).unwrap();
    let url = format!("sqlite://{}/palaver.db?mode=rwc", directory.display());
    (directory, url)
}

#[test]
fn grant_admin_does_not_print_the_migrations_it_applies_unless_asked() {
    let (quiet_directory, quiet_url) = fresh_sqlite_url();
    let quiet = command(&quiet_url)
        .args(["grant-admin", "nobody"])
        .output()
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&quiet.stdout),
        String::from_utf8_lossy(&quiet.stderr)
    );
    assert!(!quiet.status.success());
    assert!(output.contains("user not found"), "{output}");
    assert!(!output.to_lowercase().contains("migration"), "{output}");

    // RUST_LOG still shows them: the migrations did run, the command only kept them quiet.
    let (loud_directory, loud_url) = fresh_sqlite_url();
    let loud = command(&loud_url)
        .env("RUST_LOG", "info")
        .args(["grant-admin", "nobody"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&loud.stdout).contains("Applying migration"));
    std::fs::remove_dir_all(quiet_directory).ok();
    std::fs::remove_dir_all(loud_directory).ok();
}
