use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::AnyConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// An arbitrary, fixed key for PostgreSQL's advisory lock, so two servers starting at once
/// against one database do not run the same migration twice.
const MIGRATION_LOCK_KEY: i64 = 0x006f_7267_6261_7365; // "orgbase" in ASCII

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs pending migrations; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, BoxError> {
    let names = |versions: Vec<diesel::migration::MigrationVersion<'_>>| {
        versions.iter().map(ToString::to_string).collect()
    };
    match conn {
        AnyConnection::Sqlite(c) => Ok(names(c.run_pending_migrations(SQLITE)?)),
        AnyConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = c.run_pending_migrations(POSTGRES).map(names);
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            Ok(result?)
        }
    }
}
