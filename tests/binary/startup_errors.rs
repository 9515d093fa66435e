//! A bad start ends with one clear line on stderr and a non-zero exit, never a panic.

use std::net::TcpListener;

use crate::server::binary;

fn fails_with(args: &[&str], expected: &str) {
    // With a bootstrap key, a first start prints nothing before its error.
    let output = binary()
        .args(args)
        .env("RUST_LOG", "off")
        .env("ORGBASE_BOOTSTRAP_KEY", crate::server::BOOTSTRAP_KEY)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("orgbase: error: "), "{stderr}");
    assert!(
        lines[0].contains(expected),
        "expected {expected:?} in {stderr}"
    );
}

#[test]
fn an_unknown_scheme_names_the_ones_that_exist() {
    fails_with(
        &["serve", "--database-url", "mongodb://user:hunter2@db/crm"],
        "expected sqlite://PATH or postgres://USER@HOST/DB, or memory:",
    );
    let output = binary()
        .args(["--database-url", "mongodb://user:hunter2@db/crm"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("hunter2"),
        "passwords stay secret"
    );
}

#[test]
fn mysql_is_announced_as_not_yet_available() {
    fails_with(
        &["--database-url", "mysql://root@127.0.0.1/crm"],
        "MySQL/MariaDB storage is not available yet",
    );
}

#[test]
fn an_unreachable_postgres_says_so() {
    fails_with(
        &[
            "--database-url",
            "postgres://nobody:secret@127.0.0.1:1/crm?connect_timeout=2",
        ],
        "cannot open postgres://nobody:***@127.0.0.1:1/crm",
    );
}

#[test]
fn a_port_in_use_says_so() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    fails_with(
        &["--bind", &address, "--database-url", "memory:"],
        &format!("cannot listen on {address}"),
    );
}

#[test]
fn a_bad_public_url_says_so() {
    fails_with(
        &[
            "--database-url",
            "memory:",
            "--public-url",
            "crm.example.com",
        ],
        "ORGBASE_PUBLIC_URL must start with http:// or https://",
    );
}
