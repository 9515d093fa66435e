//! `orgbase import` and `orgbase export`: moving organizations and contacts between orgbase and another
//! system's files, straight through the store (no HTTP).
//!
//! - [`format`]: the two file formats and how CSV cells map to attribute values.
//! - [`import`]: reading a file in batches, idempotently, reporting each bad row.
//! - [`csv_lines`]: the physical line each CSV record starts on, for those reports.
//! - [`export`]: streaming every organization out, a page at a time.
//! - [`contacts`]: the same two for contacts, with their memberships.

pub mod contacts;
mod csv_lines;
pub mod export;
pub mod format;
pub mod import;

#[cfg(test)]
mod round_trip;
