//! The first admin's key and the account subcommands, through the real binary.

use serde_json::json;

use crate::client::request_as;
use crate::server::{Server, binary};

/// Runs `orgbase ARGS --database-url URL`, which must succeed; returns its trimmed stdout.
fn run_command(url: &str, args: &[&str]) -> String {
    let output = binary()
        .args(args)
        .args(["--database-url", url])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {:?} {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_first_start_prints_a_working_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("first.db").display());
    let server = Server::start_with(&url, None);
    let key = server
        .startup
        .iter()
        .find_map(|line| {
            line.trim()
                .strip_prefix("ob_")
                .map(|rest| format!("ob_{rest}"))
        })
        .unwrap_or_else(|| panic!("no key printed: {:#?}", server.startup));
    assert_eq!(key.len(), 67);
    assert_eq!(
        request_as(&server.address, &key, "GET", "/users", None).status,
        200
    );
    assert_eq!(
        request_as(&server.address, "ob_wrong", "GET", "/users", None).status,
        401
    );
    let (status, _) = server.terminate();
    assert!(status.success());
    let again = Server::start_with(&url, None);
    assert!(
        !again.startup.iter().any(|l| l.contains("ob_")),
        "printed once: {:#?}",
        again.startup
    );
    assert_eq!(
        request_as(&again.address, &key, "GET", "/organizations", None).status,
        200
    );
}

#[test]
fn users_and_keys_are_created_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| run_command(&url, args);
    let id = run(&[
        "users",
        "create",
        "--name",
        "Kim",
        "--email",
        "kim@crm.example",
        "--role",
        "member",
    ]);
    assert_eq!(id.len(), 36, "prints the id: {id}");
    let secret = run(&[
        "keys",
        "create",
        "--user",
        "KIM@crm.example",
        "--name",
        "laptop",
    ]);
    assert!(secret.starts_with("ob_"), "{secret}");
    let failed = binary()
        .args([
            "keys",
            "create",
            "--user",
            "nobody@crm.example",
            "--database-url",
            &url,
        ])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("no user has the e-mail address"));

    let server = Server::start(&url);
    let a = &server.address;
    let created = request_as(
        a,
        &secret,
        "POST",
        "/organizations",
        Some(&json!({"data": {"type": "organizations", "attributes": {"name": "Kim's"}}})),
    );
    assert_eq!(created.status, 201, "a member creates");
    let org = created.body["data"]["id"].as_str().unwrap().to_owned();
    let refused = request_as(a, &secret, "DELETE", &format!("/organizations/{org}"), None);
    assert_eq!(refused.status, 403, "only admins delete");
    assert!(created.body["data"]["id"].is_string());
}

#[test]
fn the_http_client_example_works_against_a_server() {
    let example = std::path::Path::new(env!("CARGO_BIN_EXE_orgbase"))
        .parent()
        .unwrap()
        .join("examples/owner_and_include");
    if !example.exists() {
        // `cargo test --workspace` builds the examples; a narrower run may not have.
        orgbase_store_tests::require_in_ci::<()>(
            "the owner_and_include example is not built (run cargo test --workspace)",
        );
        return;
    }
    let server = Server::start("memory:");
    let output = std::process::Command::new(example)
        .env("ORGBASE_URL", format!("http://{}", server.address))
        .env("ORGBASE_KEY", crate::server::BOOTSTRAP_KEY)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("is owned by Dana Owner <dana."), "{stdout}");
}

/// Short commands on PostgreSQL exit cleanly. They used to crash with SIGSEGV after their
/// work about one run in ten: the pool opened an idle connection on its own thread while the
/// process exited and OpenSSL's exit handlers tore down what libpq was using.
#[test]
fn short_commands_on_postgres_exit_cleanly() {
    let Ok(admin_url) = std::env::var("ORGBASE_TEST_POSTGRES_URL") else {
        orgbase_store_tests::require_in_ci::<()>("ORGBASE_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = orgbase_store_diesel::testing::TestDatabase::create(&admin_url).unwrap();
    let run = |args: &[&str]| run_command(database.url(), args);
    run(&[
        "users",
        "create",
        "--name",
        "Kim",
        "--email",
        "kim@crm.example",
    ]);
    for _ in 0..30 {
        run(&["keys", "create", "--user", "kim@crm.example"]);
    }
}
