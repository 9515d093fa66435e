//! Racing retries of one POST with one `Idempotency-Key` against a running server, on every
//! backend: one request runs, the others wait (409) or replay its answer, and one
//! organization exists afterwards.

use std::sync::{Arc, Barrier};
use std::thread;

use serde_json::json;

use crate::client::{request, request_with};
use crate::server::{BOOTSTRAP_KEY, Server};

const RETRIES: usize = 12;

fn racing_retries_create_once(database_url: &str) {
    let server = Server::start(database_url);
    let address = Arc::new(server.address.clone());
    let body = json!({"data": {"type": "organizations", "attributes": {"name": "Raced"}}});
    let barrier = Arc::new(Barrier::new(RETRIES));
    let handles: Vec<_> = (0..RETRIES)
        .map(|_| {
            let (address, barrier, body) =
                (Arc::clone(&address), Arc::clone(&barrier), body.clone());
            thread::spawn(move || {
                barrier.wait();
                request_with(
                    &address,
                    BOOTSTRAP_KEY,
                    "POST",
                    "/organizations",
                    &[("Idempotency-Key", "\"raced-1\"")],
                    Some(&body),
                )
            })
        })
        .collect();
    let replies: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ran: Vec<_> = replies
        .iter()
        .filter(|r| r.status == 201 && r.header("idempotency-replayed").is_none())
        .collect();
    assert_eq!(ran.len(), 1, "{database_url}: {replies:?}");
    let id = &ran[0].body["data"]["id"];
    for reply in &replies {
        match reply.status {
            201 => assert_eq!(&reply.body["data"]["id"], id, "{database_url}"),
            409 => assert_eq!(
                reply.body["errors"][0]["code"], "idempotency_key_in_progress",
                "{database_url}"
            ),
            other => panic!("{database_url}: {other}: {}", reply.body),
        }
    }
    let list = request(&server.address, "GET", "/organizations", None);
    assert_eq!(list.body["meta"]["total"], 1, "{database_url}");
    let later = request_with(
        &server.address,
        BOOTSTRAP_KEY,
        "POST",
        "/organizations",
        &[("Idempotency-Key", "raced-1")],
        Some(&body),
    );
    assert_eq!(
        (later.status, later.header("idempotency-replayed")),
        (201, Some("true"))
    );
    assert_eq!(&later.body["data"]["id"], id);
}

#[test]
fn racing_retries_create_once_in_memory_and_sqlite() {
    racing_retries_create_once("memory:");
    let dir = tempfile::tempdir().unwrap();
    racing_retries_create_once(&format!("sqlite://{}", dir.path().join("r.db").display()));
}

#[test]
fn racing_retries_create_once_on_postgres() {
    let Ok(admin_url) = std::env::var("ORGBASE_TEST_POSTGRES_URL") else {
        orgbase_store_tests::require_in_ci::<()>("ORGBASE_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = orgbase_store_diesel::testing::TestDatabase::create(&admin_url).unwrap();
    racing_retries_create_once(database.url());
}
