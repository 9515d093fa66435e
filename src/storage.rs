//! Opening the store a `DATABASE_URL` names.

use std::sync::Arc;

use anyhow::{anyhow, bail};
use orgbase_domain::Store;
use orgbase_store_diesel::{DatabaseTarget, DieselStore, PoolOptions};
use orgbase_store_memory::MemoryStore;

/// What the store is opened for, which sizes SQLite's per-connection page cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Many short requests on a pool of connections.
    Requests,
    /// One long stream of writes (`orgbase import`).
    Bulk,
}

/// Opens the store and applies pending migrations (a no-op for memory:).
pub fn open(url: &str, workload: Workload) -> anyhow::Result<Arc<dyn Store>> {
    if url == "memory:" || url == "memory://" {
        tracing::warn!("using the in-memory store: nothing is kept after exit");
        return Ok(Arc::new(MemoryStore::new()));
    }
    if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        bail!(
            "MySQL/MariaDB storage is not available yet; use sqlite://PATH, postgres://… or memory:"
        );
    }
    let options = match workload {
        Workload::Requests => PoolOptions::default(),
        Workload::Bulk => PoolOptions::bulk(),
    };
    let target = DatabaseTarget::from_url(url)
        .map_err(|e| anyhow!("{e}, or memory: for the in-memory store"))?;
    let store = DieselStore::open(target, &options)?;
    let applied = store.run_migrations()?;
    tracing::info!(
        backend = store.target().backend(),
        database = %store.target(),
        migrations_applied = applied.len(),
        "storage ready"
    );
    Ok(Arc::new(store))
}
