//! The palaver-server binary as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

mod binary;

use binary::{free_port, wait_until_up};
use palaver_migrations::testing::TestDatabase;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn server_command(database: &TestDatabase) -> Command {
    binary::command(database.url())
}

fn run(mut command: Command) -> Output {
    command.output().expect("running palaver-server")
}

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// `palaver-server serve` on `port`, its output discarded.
fn serve_command(database: &TestDatabase, port: u16) -> Command {
    let mut command = server_command(database);
    command
        .arg("serve")
        .env("PALAVER__SERVER__BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Starts `palaver-server serve` and waits until it answers /healthz.
async fn serve(database: &TestDatabase, port: u16) -> Serving {
    spawn_serving(serve_command(database, port), port).await
}

/// Spawns `command` and waits until it answers /healthz on `port`.
async fn spawn_serving(mut command: Command, port: u16) -> Serving {
    let child = Serving(command.spawn().expect("starting palaver-server"));
    wait_until_up(port).await;
    child
}

#[tokio::test]
async fn grant_admin_makes_an_admin_and_refuses_unknown_users() {
    let database = TestDatabase::create().await;
    let port = free_port();
    let server = serve(&database, port).await;
    let client = reqwest::Client::new();
    let register = client
        .post(format!("http://127.0.0.1:{port}/api/auth/register"))
        .json(&serde_json::json!({ "username": "first", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(register.status(), 201);
    let token = register.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut grant = server_command(&database);
    grant.args(["grant-admin", "first"]);
    let granted = run(grant);
    assert!(
        granted.status.success(),
        "{}",
        String::from_utf8_lossy(&granted.stderr)
    );
    assert!(String::from_utf8_lossy(&granted.stdout).contains("now has the role admin"));

    // The running server sees the new role on the existing session.
    let me: serde_json::Value = client
        .get(format!("http://127.0.0.1:{port}/api/users/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");

    let mut unknown = server_command(&database);
    unknown.args(["grant-admin", "nobody"]);
    let refused = run(unknown);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("user not found"));

    let mut revoke = server_command(&database);
    revoke.args(["revoke-admin", "first"]);
    assert!(run(revoke).status.success());
    drop(server);
}

#[tokio::test]
async fn production_refuses_the_development_secret() {
    let database = TestDatabase::create().await;
    let mut command = server_command(&database);
    command.env("PALAVER_ENV", "production").arg("serve");
    let output = run(command);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to start with the development secret"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_unknown_environment_and_a_short_secret_are_refused_with_their_reason() {
    let database = TestDatabase::create().await;
    let mut typo = server_command(&database);
    typo.env("PALAVER_ENV", "prodution").arg("serve");
    let output = run(typo);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PALAVER_ENV must be"), "{stderr}");

    let mut short = server_command(&database);
    short
        .env("PALAVER_ENV", "Production")
        .env("PALAVER__AUTH__JWT_SECRET", "short")
        .arg("serve");
    let output = run(short);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is 5 bytes long"), "{stderr}");
}

/// Sends `signal` (as `kill` names it) to a serving server and checks that it stops on
/// its own, successfully, after logging a graceful stop for that signal.
#[cfg(unix)]
async fn stops_gracefully_on(signal: &str) {
    use std::io::Read;

    let database = TestDatabase::create().await;
    let port = free_port();
    let mut command = serve_command(&database, port);
    command
        .env("PALAVER__LOG__FORMAT", "json")
        .env("PALAVER__LOG__FILTER", "warn,palaver_server=info")
        .stdout(Stdio::piped());
    let mut server = spawn_serving(command, port).await;
    // Read the logs as they come, so a full pipe never blocks the server.
    let mut stdout = server.0.stdout.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut logs = String::new();
        stdout.read_to_string(&mut logs).unwrap();
        logs
    });

    let pid = server.0.id().to_string();
    let killed = Command::new("kill")
        .args([format!("-{signal}").as_str(), &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIG{signal}: {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running 30 s after SIG{signal}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = logs.join().unwrap();
    assert!(
        logs.lines().any(|line| line.contains("stopping gracefully")
            && line.contains(&format!("\"signal\":\"SIG{signal}\""))),
        "{logs}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    stops_gracefully_on("TERM").await;
}

#[cfg(unix)]
#[tokio::test]
async fn sigint_stops_the_server_gracefully() {
    stops_gracefully_on("INT").await;
}
