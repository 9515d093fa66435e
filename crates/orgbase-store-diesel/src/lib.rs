//! orgbase's SQL backends: SQLite (embedded, bundled library) and PostgreSQL, through one
//! diesel schema and `#[derive(diesel::MultiConnection)]`.
//!
//! - [`accounts`]: users and API keys.
//! - [`connection`]: which database a URL names, connecting with actionable errors, the pool.
//! - [`custom_fields`] and [`custom_values`]: field definitions, and the typed value rows.
//! - [`import`]: batched, idempotent import of many organizations per transaction.
//! - [`memberships`]: the side tables that index list and domain membership.
//! - [`migrations`]: per-backend migrations, embedded in the binary.
//! - [`errors`]: diesel errors to domain errors, including which unique constraint failed.
//! - [`query`]: filters, search and sorts in SQL.
//! - [`row`]: the row type and its conversion to and from the domain record.
//! - [`store`]: the [`orgbase_domain::Store`] implementation.
//! - [`testing`]: throwaway PostgreSQL databases for tests.

mod accounts;
mod connection;
mod custom_fields;
mod custom_query;
mod custom_values;
mod errors;
mod import;
mod memberships;
mod migrations;
mod query;
mod row;
mod schema;
mod store;
pub mod testing;

pub use connection::{ConnectError, DatabaseTarget, PoolOptions, redact};
pub use store::DieselStore;
