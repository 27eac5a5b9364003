//! `palaver-migrate` against the configured database, as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_palaver-migrate");

fn migrate(url_variable: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(BINARY)
        .env_clear()
        .env("PALAVER_ENV", "test")
        .env("PALAVER__DATABASE__URL", url_variable)
        .env("PALAVER__DATABASE__CONNECT_TIMEOUT_SECS", "2")
        .args(args)
        .output()
        .expect("running palaver-migrate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn status_up_down_fresh_and_reset_work_on_the_configured_database() {
    let dir = std::env::temp_dir().join(format!("palaver-migrate-{}", std::process::id()));
    let url = format!("sqlite://{}/nested/palaver.db?mode=rwc", dir.display());

    let (ok, out) = migrate(&url, &["status"]);
    assert!(ok, "{out}");
    assert!(out.contains("2 migrations, 2 pending"), "{out}");

    let (ok, out) = migrate(&url, &["up"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Applied  m20261121_000002_create_sessions"),
        "{out}"
    );
    assert!(out.contains("0 pending"), "{out}");

    let (ok, out) = migrate(&url, &["down"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Pending  m20261121_000002_create_sessions"),
        "{out}"
    );
    assert!(out.contains("1 pending"), "{out}");

    let (ok, out) = migrate(&url, &["fresh"]);
    assert!(ok, "{out}");
    assert!(out.contains("0 pending"), "{out}");

    let (ok, out) = migrate(&url, &["reset"]);
    assert!(ok, "{out}");
    assert!(out.contains("2 pending"), "{out}");

    // --database-url wins over the configuration
    let other = format!("sqlite://{}/other.db?mode=rwc", dir.display());
    let (ok, out) = migrate(&url, &["--database-url", &other, "up", "-n", "1"]);
    assert!(ok, "{out}");
    assert!(out.contains("1 pending"), "{out}");

    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unreachable_database_fails_with_a_message() {
    let (ok, out) = migrate("postgres://nobody@127.0.0.1:1/none", &["status"]);
    assert!(!ok);
    assert!(out.contains("connecting to the database"), "{out}");
}
