//! `palaver-migrate` against the configured database, as an operator runs it: SQLite by
//! default, PostgreSQL or MySQL when PALAVER_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

use palaver_migrations::testing::TestDatabase;
use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_palaver-migrate");

fn migrate(url: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(BINARY)
        .env_clear()
        .env("PALAVER_ENV", "test")
        .env("PALAVER__DATABASE__URL", url)
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

fn assert_run(url: &str, args: &[&str], expected: &[&str]) {
    let (ok, out) = migrate(url, args);
    assert!(ok, "{args:?}: {out}");
    for text in expected {
        assert!(out.contains(text), "{args:?} should print {text:?}: {out}");
    }
}

#[tokio::test]
async fn status_up_down_fresh_refresh_and_reset_work_on_the_configured_database() {
    // The fixture arrives migrated; take it all down first.
    let database = TestDatabase::create().await;
    let url = database.url();
    assert_run(url, &["reset"], &["4 migrations, 4 pending"]);
    assert_run(
        url,
        &["status"],
        &["Pending  m20261121_000001_create_users", "4 pending"],
    );
    assert_run(
        url,
        &["up"],
        &[
            "Applied  m20261121_000003_create_conversations",
            "Applied  m20261129_000002_rich_messages",
            "0 pending",
        ],
    );
    assert_run(
        url,
        &["down"],
        &["Pending  m20261129_000002_rich_messages", "1 pending"],
    );
    assert_run(url, &["down", "-n", "1"], &["2 pending"]);
    assert_run(url, &["up", "-n", "1"], &["1 pending"]);
    assert_run(url, &["fresh"], &["0 pending"]);
    assert_run(url, &["refresh"], &["0 pending"]);
}

#[tokio::test]
async fn database_url_wins_over_the_configuration_and_sqlite_directories_are_created() {
    let dir =
        std::env::temp_dir().join(format!("palaver-migrate-{}", uuid::Uuid::new_v4().simple()));
    let configured = format!("sqlite://{}/configured.db?mode=rwc", dir.display());
    let other = format!("sqlite://{}/nested/other.db?mode=rwc", dir.display());
    assert_run(
        &configured,
        &["--database-url", &other, "up", "-n", "1"],
        &["3 pending"],
    );
    assert!(dir.join("nested/other.db").exists());
    assert!(!dir.join("configured.db").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unreachable_database_fails_with_a_message() {
    let (ok, out) = migrate("postgres://nobody@127.0.0.1:1/none", &["status"]);
    assert!(!ok);
    assert!(out.contains("connecting to the database"), "{out}");
}

#[test]
fn production_needs_no_jwt_secret_to_migrate() {
    let dir =
        std::env::temp_dir().join(format!("palaver-migrate-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/p.db?mode=rwc", dir.display());
    let output = Command::new(BINARY)
        .env_clear()
        .env("PALAVER_ENV", "production")
        .env("PALAVER__DATABASE__URL", &url)
        .arg("status")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
