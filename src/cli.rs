//! The command line. Every flag also reads its environment variable; flags win.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, Subcommand};

use crate::transfer::format::Format;

#[derive(Debug, Parser)]
#[command(
    name = "orgbase",
    version,
    about = "A JSON:API 1.1 service for organization records, with pluggable storage",
    long_about = "A JSON:API 1.1 service for organization records, with pluggable storage.\n\n\
                  With no subcommand, orgbase serves the API (as `orgbase serve`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Storage: sqlite://PATH (an embedded file, created if missing), postgres://USER@HOST/DB, or memory: (lost on exit) [default: sqlite://orgbase.db]
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<DatabaseUrl>,

    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "ORGBASE_BIND", global = true)]
    pub bind: Option<String>,

    /// Base URL for links in responses, e.g. https://crm.example.com/api (default: the request's scheme and Host)
    #[arg(long, env = "ORGBASE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Days the change log keeps entries; older ones are pruned in small batches while serving, and a cursor before them answers 410 changes_pruned. 0 keeps everything [default: 400]
    #[arg(long, env = "ORGBASE_CHANGES_RETENTION_DAYS", global = true)]
    pub changes_retention_days: Option<u32>,

    /// Let webhooks point at http URLs and at loopback, private and link-local addresses (for tests and receivers on the same network) [default: false]
    #[arg(
        long,
        env = "ORGBASE_WEBHOOKS_ALLOW_PRIVATE",
        global = true,
        value_name = "BOOL"
    )]
    pub webhooks_allow_private: Option<bool>,

    /// Configuration file (TOML) for what flags and environment variables leave unset [default: ./orgbase.toml, if present]
    #[arg(long, env = "ORGBASE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

/// A database URL, which may hold a password: `Debug` hides it.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&orgbase_store_diesel::redact(&self.0))
    }
}

/// The records `import` and `export` move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordType {
    Organizations,
    Contacts,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default); runs pending migrations first. With no users yet, creates
    /// an admin whose key is ORGBASE_BOOTSTRAP_KEY, or a new key printed once on stderr
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Import organizations from a CSV or NDJSON file, matching existing ones by id, else by
    /// name (or by --match), and updating them in place: re-running a file changes nothing.
    /// Bad rows are reported with their line and skipped (exit code 1 if any failed)
    Import {
        /// What the file holds: organizations, or contacts (matched by id, else e-mail
        /// address; in NDJSON with their memberships as `relationships.organizations`)
        #[arg(long = "type", value_enum, default_value = "organizations")]
        kind: RecordType,
        /// The file: .csv (a header row of attribute names; lists, domains and multi-select
        /// values separated by `;`) or .ndjson/.jsonl (one resource object or flat attribute
        /// object per line)
        file: PathBuf,
        /// The file's format, when its extension does not say
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// E-mail of the user who becomes owner and creator of new organizations (by default
        /// they have none; an `owner_id` column still wins for the owner)
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// Stop at the first failing row instead of skipping it (rows are then written one at
        /// a time)
        #[arg(long)]
        strict: bool,
        /// Match rows to stored organizations by this attribute alone: `name`, or the
        /// identifier of a unique custom field (another system's id); every row must carry it
        #[arg(long = "match", value_name = "ATTRIBUTE")]
        match_by: Option<String>,
    },
    /// Export organizations, custom fields included, archived ones too, in id order
    Export {
        /// What to export: organizations, or contacts (in NDJSON with their memberships as
        /// `relationships.organizations`, each with `meta.role`)
        #[arg(long = "type", value_enum, default_value = "organizations")]
        kind: RecordType,
        /// Output format
        #[arg(long, value_enum, default_value = "ndjson")]
        format: Format,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Only organizations matching these filters, in the API's query syntax, e.g.
        /// 'filter[status]=active&filter[lists]=VIP' (add filter[archived]=false to leave
        /// archived ones out)
        #[arg(long, value_name = "QUERY")]
        filter: Option<String>,
    },
    /// Manage users
    Users {
        #[command(subcommand)]
        action: UsersCommand,
    },
    /// Manage API keys
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user and print their id
    Create {
        /// Display name
        #[arg(long)]
        name: String,
        /// E-mail address (unique, ignoring case)
        #[arg(long)]
        email: String,
        /// admin, member or viewer
        #[arg(long, default_value = "viewer")]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key for a user and print its secret (shown this once)
    Create {
        /// The user's e-mail address
        #[arg(long)]
        user: String,
        /// A name to tell the key apart
        #[arg(long, default_value = "API key")]
        name: String,
    },
}
