//! orgbase's SQL backends: SQLite (embedded, bundled library) and PostgreSQL, through one
//! diesel schema and `#[derive(diesel::MultiConnection)]`.
//!
//! - [`store`]: the [`orgbase_domain::Store`] implementation, delegating to the modules below
//!   with the connection each call needs.
//! - [`organizations`]: organizations and their side tables (memberships, custom values), the
//!   batched import, and the list query planner.
//! - [`accounts`]: users and API keys.
//! - [`custom_fields`]: custom field definitions.
//! - [`webhooks`]: webhooks and their delivery bookkeeping.
//! - [`idempotency`]: `Idempotency-Key` entries, claimed race-safely without a transaction.
//! - [`columns`]: how timestamps and JSON sit in columns both backends share.
//! - [`leases`]: where the store's calls get connections: the pool, or a transaction's.
//! - [`connection`]: which database a URL names, connecting with actionable errors, the pool.
//! - [`migrations`]: per-backend migrations, embedded in the binary.
//! - [`errors`]: diesel errors to domain errors, including which unique constraint failed.
//! - [`testing`]: throwaway PostgreSQL databases for tests.

mod accounts;
mod changes;
mod columns;
mod connection;
mod contacts;
mod custom_fields;
mod custom_values;
mod documents;
mod errors;
mod idempotency;
mod leases;
mod listing;
mod memberships;
mod migrations;
mod organization_records;
mod organizations;
mod projects;
mod schema;
mod store;
mod tasks;
pub mod testing;
mod webhooks;

pub use connection::{ConnectError, DatabaseTarget, PoolOptions, redact};
pub use store::DieselStore;
