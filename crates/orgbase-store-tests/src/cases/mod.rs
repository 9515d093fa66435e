//! Conformance cases, one module per concern. Each is `pub fn(&Arc<dyn Store>)`.

pub mod accounts;
pub mod atomic;
pub mod changes;
pub mod concurrency;
pub mod contact_custom_fields;
pub mod contacts;
pub mod crud;
pub mod cursors;
pub mod custom_fields;
pub mod documents;
pub mod filtering;
pub mod idempotency;
pub mod import;
pub mod listing;
pub mod memberships;
pub mod projects;
pub mod tasks;
pub mod uniqueness;
pub mod upsert;
pub mod webhooks;
