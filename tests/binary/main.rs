//! End-to-end tests of the real `orgbase` binary: startup, HTTP over a socket, restarts,
//! signals, and how it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod client;
mod config;
mod docs_page;
mod lifecycle;
mod retries;
mod server;
mod startup_errors;
mod transfer;
mod webhooks;
