//! The conformance suite on the in-memory store.

use std::sync::Arc;

use orgbase_store_memory::MemoryStore;
use orgbase_store_tests::{Harness, conformance_suite};

fn memory() -> Option<Harness> {
    Some(Harness::new(Arc::new(MemoryStore::new())))
}

conformance_suite!(memory);
