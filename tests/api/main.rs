//! In-process HTTP tests: the real app factory over the in-memory store (and SQLite where the
//! database's own behaviour matters), one binary made of modules for fast links.
//! Every response `support::send` gets is validated against the JSON:API 1.1 schema and against
//! the API description (`described`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod auth;
mod bad_input;
mod changes;
mod contact_custom_fields;
mod contacts;
mod cursors;
mod custom_fields;
mod described;
mod documents;
mod idempotency;
mod memberships;
mod openapi;
mod operations;
mod organizations;
mod projects;
mod query;
mod relationships;
mod support;
mod tasks;
mod upsert;
mod webhooks;
mod wire;
