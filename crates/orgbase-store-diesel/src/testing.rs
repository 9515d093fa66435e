//! Throwaway PostgreSQL databases for tests: each test gets its own, dropped when done.
//! Used by this crate's conformance run and the end-to-end tests of the binary.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A fresh, empty database on the server `admin_url` points at; dropped on drop.
pub struct TestDatabase {
    admin: PgConnection,
    name: String,
    url: String,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TestDatabase {
    /// Connects with `admin_url` (its user must be allowed to create databases) and creates a
    /// database named after this process and a counter.
    pub fn create(admin_url: &str) -> Result<Self, String> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let mut admin = PgConnection::establish(admin_url)
            .map_err(|e| format!("cannot reach {}: {e}", crate::connection::redact(admin_url)))?;
        let name = format!(
            "orgbase_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        for statement in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            diesel::sql_query(statement)
                .execute(&mut admin)
                .map_err(|e| e.to_string())?;
        }
        Ok(Self {
            url: with_database(admin_url, &name),
            admin,
            name,
        })
    }

    /// The new database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // FORCE ends the pool's connections, which outlive this guard in some tests.
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = diesel::sql_query(statement).execute(&mut self.admin) {
            tracing::warn!(database = %self.name, error = %e, "could not drop test database");
        }
    }
}

/// `url` with its database name replaced, keeping any `?parameters`.
pub fn with_database(url: &str, database: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{scheme}://{authority}/{database}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_keep_their_parameters() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            with_database("postgres://h?application_name=t", "x"),
            "postgres://h/x?application_name=t"
        );
    }
}
