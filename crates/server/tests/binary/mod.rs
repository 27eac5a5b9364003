//! The palaver-server binary under test: a command for it in the test environment, a free
//! port to serve on, and waiting until it answers.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_palaver-server");
const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config");

/// `palaver-server` with nothing of this process's environment but the test settings and
/// `database_url`; stdout and stderr piped.
pub fn command(database_url: &str) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PALAVER_ENV", "test")
        .env("PALAVER_CONFIG_DIR", CONFIG_DIR)
        .env("PALAVER__DATABASE__URL", database_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until a server answers `/healthz` on `port`; panics after 30 s.
pub async fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "palaver-server did not come up on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
