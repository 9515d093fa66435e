use serde_json::json;

use crate::client::request;
use crate::server::{Server, binary};

/// create → get → patch → delete over a socket, then a restart on the same file keeps the data.
fn crud_survives_a_restart(database_url: &str) {
    let server = Server::start(database_url);
    let a = &server.address;
    let created = request(
        a,
        "POST",
        "/organizations",
        Some(
            &json!({"data": {"type": "organizations", "attributes": {"name": "Durable", "lists": ["Kept"]}}}),
        ),
    );
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("http://{a}/organizations/{id}").as_str())
    );
    assert_eq!(
        created.header("content-type"),
        Some("application/vnd.api+json")
    );

    let fetched = request(a, "GET", &format!("/organizations/{id}"), None);
    assert_eq!(
        (fetched.status, &fetched.body["data"]),
        (200, &created.body["data"])
    );

    let patched = request(
        a,
        "PATCH",
        &format!("/organizations/{id}"),
        Some(
            &json!({"data": {"type": "organizations", "id": id, "attributes": {"city": "Wavre"}}}),
        ),
    );
    assert_eq!(
        (
            patched.status,
            patched.body["data"]["attributes"]["city"].as_str()
        ),
        (200, Some("Wavre"))
    );

    let doomed = request(
        a,
        "POST",
        "/organizations",
        Some(&json!({"data": {"type": "organizations", "attributes": {"name": "Doomed"}}})),
    );
    let doomed_id = doomed.body["data"]["id"].as_str().unwrap().to_owned();
    let deleted = request(a, "DELETE", &format!("/organizations/{doomed_id}"), None);
    assert_eq!(
        (deleted.status, &deleted.body),
        (204, &serde_json::Value::Null)
    );

    let head = request(a, "HEAD", "/organizations", None);
    assert_eq!(
        (head.status, &head.body),
        (200, &serde_json::Value::Null),
        "HEAD has no body"
    );

    let (status, log) = server.terminate();
    assert!(
        status.success(),
        "a graceful stop exits 0, got {status:?}; log: {log:#?}"
    );

    let server = Server::start(database_url);
    let a = &server.address;
    let after = request(a, "GET", &format!("/organizations/{id}"), None);
    assert_eq!(after.status, 200);
    assert_eq!(
        after.body["data"]["attributes"],
        patched.body["data"]["attributes"]
    );
    assert_eq!(
        request(a, "GET", &format!("/organizations/{doomed_id}"), None).status,
        404
    );
    let list = request(a, "GET", "/organizations", None);
    assert_eq!(list.body["meta"]["total"], 1);
}

#[test]
fn sqlite_file_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    crud_survives_a_restart(&format!(
        "sqlite://{}",
        dir.path().join("orgbase.db").display()
    ));
}

#[test]
fn postgres_keeps_data_across_restarts() {
    let Ok(admin_url) = std::env::var("ORGBASE_TEST_POSTGRES_URL") else {
        orgbase_store_tests::require_in_ci::<()>("ORGBASE_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = orgbase_store_diesel::testing::TestDatabase::create(&admin_url).unwrap();
    crud_survives_a_restart(database.url());
}

#[test]
fn the_memory_store_serves_too() {
    let server = Server::start("memory:");
    let created = request(
        &server.address,
        "POST",
        "/organizations",
        Some(&json!({"data": {"type": "organizations", "attributes": {"name": "Fleeting"}}})),
    );
    assert_eq!(created.status, 201);
    assert_eq!(request(&server.address, "GET", "/readyz", None).status, 200);
}

#[test]
fn migrate_applies_the_schema_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    for expected in [migrations, 0] {
        let output = binary()
            .args(["migrate", "--database-url", &url])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("migrations_applied={expected}")),
            "{stderr}"
        );
    }
}

#[test]
fn environment_variables_configure_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("env.db").display());
    let output = binary()
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        dir.path().join("env.db").exists(),
        "DATABASE_URL chose the file"
    );
}

#[test]
fn help_names_every_subcommand_and_setting() {
    let output = binary().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "serve",
        "migrate",
        "--database-url",
        "DATABASE_URL",
        "--bind",
        "ORGBASE_BIND",
        "ORGBASE_PUBLIC_URL",
        "127.0.0.1:8080",
        "sqlite://orgbase.db",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}
