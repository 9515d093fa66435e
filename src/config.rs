//! Settings, from the strongest source to the weakest: command-line flags, environment
//! variables (both read by clap), the configuration file, built-in defaults.

use anyhow::{Context, anyhow};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::Cli;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://orgbase.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_LOG: &str = "info";
/// How long the change log keeps entries: over a year, so a yearly sync still resumes.
pub const DEFAULT_CHANGES_RETENTION_DAYS: u32 = 400;
/// Read when present and no `--config` is given.
pub const DEFAULT_CONFIG_FILE: &str = "orgbase.toml";

/// `orgbase.toml`: every key optional; an unknown key is an error (a typo must not be ignored
/// silently).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    bootstrap_key: Option<String>,
    log: Option<String>,
    changes_retention_days: Option<u32>,
    webhooks_allow_private: Option<bool>,
}

/// The settings in force. `Debug` hides the database password and the bootstrap key.
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub public_url: Option<String>,
    pub bootstrap_key: Option<String>,
    pub log: String,
    /// Days the change log keeps entries; 0 keeps everything.
    pub changes_retention_days: u32,
    /// Webhooks may point at http and at private addresses.
    pub webhooks_allow_private: bool,
    /// The file read, if any.
    pub file: Option<PathBuf>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &orgbase_store_diesel::redact(&self.database_url),
            )
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("bootstrap_key", &self.bootstrap_key.as_ref().map(|_| "***"))
            .field("log", &self.log)
            .field("changes_retention_days", &self.changes_retention_days)
            .field("webhooks_allow_private", &self.webhooks_allow_private)
            .field("file", &self.file)
            .finish()
    }
}

/// The environment variables that only the environment and the file set (no flag: a key on
/// the command line shows in `ps`).
pub const BOOTSTRAP_KEY_ENV: &str = "ORGBASE_BOOTSTRAP_KEY";
pub const LOG_ENV: &str = "RUST_LOG";

impl Settings {
    /// Resolves the settings of `cli`, reading `env` for the variables clap does not own.
    pub fn resolve(cli: &Cli, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let (file, path) = match &cli.config {
            Some(path) => (read(path)?, Some(path.clone())),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                let path = PathBuf::from(DEFAULT_CONFIG_FILE);
                (read(&path)?, Some(path))
            }
            None => (FileSettings::default(), None),
        };
        let non_empty = |v: Option<String>| v.filter(|v| !v.is_empty());
        Ok(Settings {
            database_url: cli
                .database_url
                .clone()
                .map(|u| u.0)
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: cli
                .bind
                .clone()
                .or(file.bind)
                .unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            public_url: non_empty(cli.public_url.clone()).or(non_empty(file.public_url)),
            bootstrap_key: non_empty(env(BOOTSTRAP_KEY_ENV)).or(non_empty(file.bootstrap_key)),
            log: non_empty(env(LOG_ENV))
                .or(file.log)
                .unwrap_or_else(|| DEFAULT_LOG.to_owned()),
            changes_retention_days: cli
                .changes_retention_days
                .or(file.changes_retention_days)
                .unwrap_or(DEFAULT_CHANGES_RETENTION_DAYS),
            webhooks_allow_private: cli
                .webhooks_allow_private
                .or(file.webhooks_allow_private)
                .unwrap_or(false),
            file: path,
        })
    }
}

fn read(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        // toml explains itself over several lines, pointing at the spot; one line here.
        anyhow!(
            "the configuration file {} is not valid: {}",
            path.display(),
            e.to_string().trim_end().replace('\n', " ")
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use clap::Parser;

    use super::*;

    fn settings(args: &[&str], file: Option<&str>, env: &[(&str, &str)]) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let mut argv = vec!["orgbase".to_owned()];
        if let Some(text) = file {
            let path = dir.path().join("orgbase.toml");
            std::fs::write(&path, text).unwrap();
            argv.extend(["--config".to_owned(), path.display().to_string()]);
        }
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let cli = Cli::try_parse_from(argv).unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::resolve(&cli, |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    #[test]
    fn the_file_fills_what_flags_and_environment_leave_open() {
        let file = "database_url = \"sqlite://file.db\"\nbind = \"0.0.0.0:9000\"\n\
                    public_url = \"https://crm.example\"\nbootstrap_key = \"ob_file\"\nlog = \"debug\"\n";
        let s = settings(&[], Some(file), &[]);
        assert_eq!(s.database_url, "sqlite://file.db");
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.public_url.as_deref(), Some("https://crm.example"));
        assert_eq!(s.bootstrap_key.as_deref(), Some("ob_file"));
        assert_eq!(s.log, "debug");
        assert_eq!(s.changes_retention_days, DEFAULT_CHANGES_RETENTION_DAYS);
        let s = settings(&[], Some("changes_retention_days = 30\n"), &[]);
        assert_eq!(s.changes_retention_days, 30);
        let s = settings(
            &["--changes-retention-days", "0"],
            Some("changes_retention_days = 30\n"),
            &[],
        );
        assert_eq!(s.changes_retention_days, 0, "the flag wins");

        let s = settings(
            &["--bind", "127.0.0.1:1"],
            Some(file),
            &[("ORGBASE_BOOTSTRAP_KEY", "ob_env"), ("RUST_LOG", "warn")],
        );
        assert_eq!(s.bind, "127.0.0.1:1");
        assert_eq!(s.bootstrap_key.as_deref(), Some("ob_env"));
        assert_eq!(s.log, "warn");
        assert_eq!(s.database_url, "sqlite://file.db");
    }

    #[test]
    fn defaults_apply_without_a_file() {
        let s = settings(&[], None, &[]);
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.bind, DEFAULT_BIND);
        assert_eq!(s.public_url, None);
        assert_eq!(s.bootstrap_key, None);
        assert_eq!(s.log, DEFAULT_LOG);
    }

    #[test]
    fn debug_shows_no_secret() {
        let s = settings(
            &["--database-url", "postgres://app:hunter2@db.example/crm"],
            Some("bootstrap_key = \"ob_topsecret\"\n"),
            &[],
        );
        let shown = format!("{s:?}");
        assert!(
            shown.contains("postgres://app:***@db.example/crm"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("ob_topsecret"), "{shown}");
    }

    #[test]
    fn an_unknown_key_or_a_missing_file_is_an_error_that_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "databse_url = \"sqlite://x.db\"\n").unwrap();
        let error = format!("{:#}", read(&path).err().unwrap());
        assert!(error.contains("databse_url"), "{error}");
        let error = format!(
            "{:#}",
            read(&dir.path().join("missing.toml")).err().unwrap()
        );
        assert!(
            error.starts_with("cannot read the configuration file"),
            "{error}"
        );
    }
}
