//! Where a [`DieselStore`](crate::DieselStore)'s calls get their connections: from its pool
//! (a [`PoolLease`], holding this process's SQLite writer turn for a writer), or, inside
//! [`Store::atomically`](orgbase_domain::Store::atomically), the one connection of the
//! transaction in progress ([`InTransaction`]), so that every write of the work joins it.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

use orgbase_domain::Result;

use crate::connection::{AnyConnection, PooledConnection};

/// A source of connections. A lease is held for one store call and never while another is
/// asked for, so a source may hand out one connection at a time.
pub(crate) trait Connections: Send + Sync + std::fmt::Debug {
    type Lease<'a>: DerefMut<Target = AnyConnection>
    where
        Self: 'a;

    /// A connection to read with.
    fn reader(&self) -> Result<Self::Lease<'_>>;

    /// A connection to write with: the only writer of this process while it is held, on
    /// SQLite.
    fn writer(&self) -> Result<Self::Lease<'_>>;
}

/// A pooled connection, holding this process's SQLite writer turn (if it is a writer) until
/// it is dropped. The turn is taken before the connection, so no thread ever holds a pooled
/// connection while it waits for the turn.
pub struct PoolLease<'a> {
    pub conn: PooledConnection,
    pub _turn: Option<MutexGuard<'a, ()>>,
}

impl Deref for PoolLease<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for PoolLease<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// The connection of a transaction in progress, for reads and writes alike. The writer turn
/// (SQLite) is held by whoever opened the transaction.
pub struct InTransaction<'t> {
    conn: Mutex<&'t mut AnyConnection>,
}

impl std::fmt::Debug for InTransaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InTransaction").finish_non_exhaustive()
    }
}

impl<'t> InTransaction<'t> {
    pub fn new(conn: &'t mut AnyConnection) -> Self {
        Self {
            conn: Mutex::new(conn),
        }
    }
}

/// The transaction's connection, for one store call.
pub struct TransactionLease<'a, 't>(MutexGuard<'a, &'t mut AnyConnection>);

impl Deref for TransactionLease<'_, '_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl DerefMut for TransactionLease<'_, '_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

impl<'t> Connections for InTransaction<'t> {
    type Lease<'a>
        = TransactionLease<'a, 't>
    where
        Self: 'a;

    fn reader(&self) -> Result<TransactionLease<'_, 't>> {
        // A call that failed mid-way left the connection in its savepoint's hands, which
        // rolled back: the connection is still sound.
        Ok(TransactionLease(
            self.conn.lock().unwrap_or_else(PoisonError::into_inner),
        ))
    }

    fn writer(&self) -> Result<TransactionLease<'_, 't>> {
        self.reader()
    }
}
