//! Connecting: which database a URL names ([`DatabaseTarget`]), opening it once with an error
//! that says what to fix, the per-connection settings (SQLite's busy timeout, page cache and
//! pragmas), the r2d2 pool, and the `MultiConnection` enum every query runs on, with
//! [`on_inner!`] for the few queries that must run on the concrete connection.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

/// Every connection of the pool: one enum, so queries are written once for both databases.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same code on the concrete inner connection, for statements diesel cannot build
/// through the `MultiConnection` enum (batch inserts, RETURNING whole rows, ON CONFLICT).
macro_rules! on_inner {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::connection::AnyConnection::Postgresql($inner) => $body,
            $crate::connection::AnyConnection::Sqlite($inner) => $body,
        }
    };
}
pub(crate) use on_inner;

/// Inserts many rows of one table: by `COPY` on PostgreSQL for large sets (it skips parsing
/// and planning a statement with thousands of parameters: measured 2.5× faster for import
/// batches), by multi-row INSERTs in chunks otherwise.
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        match $conn {
            $crate::connection::AnyConnection::Postgresql(pg)
                if rows.len() >= $crate::connection::COPY_ROWS =>
            {
                diesel::copy_from($table)
                    .from_insertable(rows)
                    .execute(pg)
                    .map(drop)
            }
            conn => rows
                .chunks($crate::connection::INSERT_CHUNK)
                .try_for_each(|chunk| {
                    $crate::connection::on_inner!(&mut *conn, |c| diesel::insert_into($table)
                        .values(chunk)
                        .execute(c))
                    .map(drop)
                }),
        }
    }};
}
pub(crate) use insert_many;

/// From how many rows [`insert_many`] copies rather than inserts on PostgreSQL.
pub const COPY_ROWS: usize = 100;

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters for the widest
/// table (27 columns) and PostgreSQL's 65,535.
pub const INSERT_CHUNK: usize = 1000;

/// The database a `DATABASE_URL` names.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as libpq understands it.
    Postgres(String),
}

impl DatabaseTarget {
    /// Reads `sqlite://PATH` (or `sqlite:PATH`) and `postgres://…` / `postgresql://…`.
    pub fn from_url(url: &str) -> Result<Self, ConnectError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return Err(ConnectError::Url(format!(
                    "{url:?} names no SQLite file; use sqlite://PATH, or memory: for the in-memory store"
                )));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err(ConnectError::Url(format!(
            "unsupported database URL {:?}: expected sqlite://PATH or postgres://USER@HOST/DB",
            redact(url)
        )))
    }

    /// The backend's name, for logs and errors.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}

// Debug and Display never show a password.
impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`. Text that is not a URL
/// is shown as given: it holds no password a URL parser could find either.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => match parsed.set_password(Some("***")) {
            Ok(()) => parsed.to_string(),
            Err(()) => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// libpq explains itself over several lines; errors here are one line each.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why the store could not be opened; each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Url(String),
    #[error("cannot open {target}: {message}")]
    Connect { target: String, message: String },
    #[error("cannot migrate {target}: {message}")]
    Migrate { target: String, message: String },
}

/// Each pooled SQLite connection's page cache when serving requests. Every connection fills
/// its own cache with the pages it reads, so the pool multiplies it: at 64 MiB, sixteen
/// connections took the server past 100 MiB RSS on a 10,000-organization database.
const SQLITE_REQUESTS_CACHE_KIB: u32 = 8 * 1024;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Connections to PostgreSQL, whose server process per connection works in parallel.
    pub max_connections: u32,
    /// Connections to SQLite, whose readers compete for this machine's cores and whose writers
    /// take turns: more connections than a few per core only add page caches.
    pub sqlite_max_connections: u32,
    /// How long a request waits for a free connection before the store is "unavailable".
    pub acquire_timeout: Duration,
    /// How long SQLite waits for a competing writer before giving up.
    pub sqlite_busy_timeout: Duration,
    /// The page cache of each SQLite connection, in KiB (allocated as used, not up front).
    pub sqlite_cache_kib: u32,
}

impl PoolOptions {
    /// For one long writer (`orgbase import`): a 64 MiB page cache holds the indexes a batch
    /// touches; with SQLite's default 2 MiB, every batch re-reads index pages from the OS
    /// (bulk writes ran 1.6× slower).
    pub fn bulk() -> Self {
        Self {
            sqlite_cache_kib: 64 * 1024,
            ..Self::default()
        }
    }
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            sqlite_max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
            sqlite_cache_kib: SQLITE_REQUESTS_CACHE_KIB,
        }
    }
}

/// Opens connections for the pool. Our own manager (rather than diesel's `ConnectionManager`)
/// so the URL scheme, not trial and error, picks the backend, and so SQLite connections get
/// their pragmas.
#[derive(Debug)]
pub struct Manager {
    pub target: DatabaseTarget,
    pub sqlite_busy_timeout: Duration,
    pub sqlite_cache_kib: u32,
}

impl Manager {
    pub fn open(&self) -> Result<AnyConnection, ConnectError> {
        let fail = |message: String| ConnectError::Connect {
            target: self.target.to_string(),
            message,
        };
        match &self.target {
            DatabaseTarget::Postgres(url) => PgConnection::establish(url)
                .map(AnyConnection::Postgresql)
                .map_err(|e| fail(one_line(&e.to_string()))),
            DatabaseTarget::Sqlite(path) => {
                let path_text = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path_text).map_err(|e| {
                    fail(format!(
                        "{e} (does the directory exist, and may this user write to it?)"
                    ))
                })?;
                // busy_timeout first: switching to WAL takes a lock another process may hold.
                let pragmas = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{};",
                    self.sqlite_busy_timeout.as_millis(),
                    self.sqlite_cache_kib,
                );
                conn.batch_execute(&pragmas)
                    .map_err(|e| fail(e.to_string()))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConnection, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError::Connect {
                target: self.target.to_string(),
                message: e.to_string(),
            })
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        // A connection left inside a transaction (a panic mid-transaction) must not be reused.
        std::thread::panicking() || r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Builds the pool without opening connections: the caller has already opened one itself, so
/// a wrong password or a missing server was reported with libpq's own words.
pub fn pool(manager: Manager, options: &PoolOptions) -> Pool {
    let size = match manager.target {
        DatabaseTarget::Sqlite(_) => options.sqlite_max_connections,
        DatabaseTarget::Postgres(_) => options.max_connections,
    };
    r2d2::Pool::builder()
        .max_size(size.max(1))
        // No idle connections kept ready: r2d2 opens those on its own threads at any time,
        // and one still opening when the process exits races libpq's TLS teardown (OpenSSL's
        // exit handlers): `orgbase keys create` on PostgreSQL crashed with SIGSEGV after its
        // work about one run in ten. Connections are now opened only when asked for.
        .min_idle(Some(0))
        // No `SELECT 1` before every checkout: on PostgreSQL that was a third network round
        // trip for a GET of one organization, and SQLite parsed it afresh every time. A
        // connection that died (the server restarted) fails its next query instead, which is
        // a 503 with Retry-After, and `has_broken` then drops it from the pool.
        .test_on_check_out(false)
        .connection_timeout(options.acquire_timeout)
        .build_unchecked(manager)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(
            DatabaseTarget::from_url("sqlite://data/orgbase.db").unwrap(),
            DatabaseTarget::Sqlite(PathBuf::from("data/orgbase.db"))
        );
        assert_eq!(
            DatabaseTarget::from_url("sqlite:///tmp/x.db").unwrap(),
            DatabaseTarget::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert!(matches!(
            DatabaseTarget::from_url("postgresql://u@h/db").unwrap(),
            DatabaseTarget::Postgres(_)
        ));
        let err = DatabaseTarget::from_url("mongodb://u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected sqlite://PATH or postgres://"),
            "{err}"
        );
        assert!(!err.contains("pw"), "{err}");
        assert!(DatabaseTarget::from_url("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        // A password holding `@` or `/`, percent-encoded as URLs require, is hidden whole.
        assert_eq!(
            redact("postgres://u:p%40ss%2Fw@h/db?sslmode=disable"),
            "postgres://u:***@h/db?sslmode=disable"
        );
        let target = DatabaseTarget::Postgres("postgres://u:secret@h/db".into());
        assert!(!format!("{target:?} {target}").contains("secret"));
    }
}
