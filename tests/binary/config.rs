//! Where settings come from: flags, then environment variables, then `orgbase.toml`; and the
//! help that documents them.

use crate::server::binary;

/// Runs `orgbase migrate` in `dir` and returns which of `candidates` databases it created.
fn migrated_database(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    candidates: &[&str],
) -> Vec<String> {
    let mut command = binary();
    command.current_dir(dir).arg("migrate").args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    candidates
        .iter()
        .filter(|name| dir.join(name).exists())
        .map(|name| (*name).to_owned())
        .collect()
}

#[test]
fn flags_beat_the_environment_which_beats_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(
        path.join("orgbase.toml"),
        "database_url = \"sqlite://file.db\"\n",
    )
    .unwrap();
    let all = ["file.db", "env.db", "flag.db"];
    // ./orgbase.toml is read without --config.
    assert_eq!(migrated_database(path, &[], &[], &all), ["file.db"]);
    assert_eq!(
        migrated_database(path, &[], &[("DATABASE_URL", "sqlite://env.db")], &all),
        ["file.db", "env.db"]
    );
    assert_eq!(
        migrated_database(
            path,
            &["--database-url", "sqlite://flag.db"],
            &[("DATABASE_URL", "sqlite://env.db")],
            &all
        ),
        ["file.db", "env.db", "flag.db"]
    );
}

#[test]
fn config_names_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(
        path.join("orgbase.toml"),
        "database_url = \"sqlite://default.db\"\n",
    )
    .unwrap();
    std::fs::write(
        path.join("staging.toml"),
        "database_url = \"sqlite://staging.db\"\n",
    )
    .unwrap();
    let all = ["default.db", "staging.db"];
    assert_eq!(
        migrated_database(path, &["--config", "staging.toml"], &[], &all),
        ["staging.db"]
    );
}

#[test]
fn a_bad_file_stops_the_start_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typo.toml"), "databse_url = \"x\"\n").unwrap();
    for (file, expected) in [
        ("typo.toml", "databse_url"),
        (
            "missing.toml",
            "cannot read the configuration file missing.toml",
        ),
    ] {
        let output = binary()
            .current_dir(dir.path())
            .args(["migrate", "--config", file])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.starts_with("orgbase: error: "), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn a_password_in_the_database_url_is_never_logged() {
    let output = binary()
        .args([
            "migrate",
            "--database-url",
            "postgres://app:hunter2@127.0.0.1:1/crm",
        ])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("app:***@127.0.0.1:1/crm"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

/// Every subcommand's help names each of its options and the settings every command shares.
#[test]
fn each_subcommand_has_complete_help() {
    let shared = [
        "--database-url",
        "DATABASE_URL",
        "sqlite://orgbase.db",
        "--bind",
        "ORGBASE_BIND",
        "--public-url",
        "ORGBASE_PUBLIC_URL",
        "--config",
        "ORGBASE_CONFIG",
        "orgbase.toml",
    ];
    let cases: [(&[&str], &[&str]); 9] = [
        (
            &[],
            &[
                "serve",
                "migrate",
                "import",
                "export",
                "users",
                "keys",
                "127.0.0.1:8080",
            ],
        ),
        (
            &["import"],
            &["<FILE>", "--format", "ndjson", "--owner", "--strict"],
        ),
        (
            &["export"],
            &["--format", "--output", "--filter", "filter[archived]"],
        ),
        (&["serve"], &["ORGBASE_BOOTSTRAP_KEY"]),
        (&["migrate"], &[]),
        (&["users"], &["create"]),
        (
            &["users", "create"],
            &["--name", "--email", "--role", "viewer"],
        ),
        (&["keys"], &["create"]),
        (&["keys", "create"], &["--user", "--name"]),
    ];
    for (command, own) in cases {
        let output = binary().args(command).arg("--help").output().unwrap();
        assert!(output.status.success(), "{command:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        for needle in shared.iter().chain(own) {
            assert!(
                help.contains(needle),
                "`orgbase {} --help` lacks {needle}:\n{help}",
                command.join(" ")
            );
        }
    }
}
