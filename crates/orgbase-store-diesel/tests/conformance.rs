//! The conformance suite on SQLite (always) and PostgreSQL (`ORGBASE_TEST_POSTGRES_URL`;
//! required when `CI=true`). Every PostgreSQL test gets a fresh database, dropped afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use orgbase_store_diesel::testing::TestDatabase;
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
use orgbase_store_tests::{Harness, conformance_suite, require_in_ci};

fn sqlite() -> Option<Harness> {
    let dir = tempfile::tempdir().unwrap();
    let store = DieselStore::open(
        DatabaseTarget::Sqlite(dir.path().join("orgbase.db")),
        &PoolOptions::default(),
    )
    .unwrap();
    store.run_migrations().unwrap();
    Some(Harness::with_cleanup(Arc::new(store), move || drop(dir)))
}

fn postgres() -> Option<Harness> {
    let Ok(admin_url) = std::env::var("ORGBASE_TEST_POSTGRES_URL") else {
        return require_in_ci(
            "ORGBASE_TEST_POSTGRES_URL is not set; point it at a PostgreSQL server whose user may create databases",
        );
    };
    let database = match TestDatabase::create(&admin_url) {
        Ok(database) => database,
        Err(e) => return require_in_ci(&format!("ORGBASE_TEST_POSTGRES_URL: {e}")),
    };
    let store = DieselStore::open(
        DatabaseTarget::Postgres(database.url().to_owned()),
        &PoolOptions::default(),
    )
    .unwrap();
    store.run_migrations().unwrap();
    Some(Harness::with_cleanup(Arc::new(store), move || {
        drop(database)
    }))
}

mod sqlite {
    use super::*;
    conformance_suite!(sqlite);
}

mod postgres {
    use super::*;
    conformance_suite!(postgres);
}

#[test]
fn migrations_run_once_and_then_find_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::Sqlite(dir.path().join("m.db"));
    let store = DieselStore::open(target, &PoolOptions::default()).unwrap();
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/sqlite"
    ))
    .unwrap()
    .count();
    assert_eq!(store.run_migrations().unwrap().len(), migrations);
    assert!(store.run_migrations().unwrap().is_empty());
}

#[test]
fn a_wrong_password_is_reported_in_the_servers_words() {
    let target = DatabaseTarget::Postgres(
        "postgres://nobody:wrong@127.0.0.1:1/none?connect_timeout=2".into(),
    );
    let err = DieselStore::open(target, &PoolOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot open postgres://nobody:***@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(err.contains("127.0.0.1") && err.contains('1'), "{err}");
    assert!(!err.contains("wrong"), "{err}");
}

#[test]
fn a_sqlite_file_in_a_missing_directory_says_so() {
    let target = DatabaseTarget::Sqlite("/nonexistent-orgbase-dir/x.db".into());
    let err = DieselStore::open(target, &PoolOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("does the directory exist"), "{err}");
}
