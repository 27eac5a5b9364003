//! The per-test database goes away when its test ends, even while a connection of the
//! test's server is still inside a transaction (seen as a test hanging for an hour on
//! MariaDB, whose DROP DATABASE waited for that transaction's locks).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: a panic is the report

use palaver_migrations::testing::TestDatabase;
use sea_orm_migration::sea_orm::{ConnectionTrait, TransactionTrait};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn a_test_database_is_dropped_under_an_open_transaction() {
    let (finished, outcome) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let database = TestDatabase::create().await;
            let pool = database.connect(2).await;
            let open = pool.begin().await.unwrap();
            open.execute_unprepared("SELECT COUNT(*) FROM users")
                .await
                .unwrap();
            // Dropping blocks this runtime, so the transaction cannot end by itself.
            drop(database);
            finished.send(()).ok();
            drop(open);
        });
    });
    outcome
        .recv_timeout(Duration::from_secs(120))
        .expect("the test database was not dropped within two minutes");
}
