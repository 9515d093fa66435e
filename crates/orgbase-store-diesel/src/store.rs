//! [`DieselStore`]: the [`Store`] trait on SQLite or PostgreSQL. It owns the pool and this
//! process's SQLite writer queue, picks the connection each call needs (a [`Writer`] for
//! writes), and delegates the SQL to [`crate::organizations`], [`crate::accounts`] and
//! [`crate::custom_fields`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use diesel::prelude::*;
use orgbase_domain::change::{LogState, Version, Write};
use orgbase_domain::import::{ImportOutcome, ImportRow, import_row, import_rows};
use orgbase_domain::query::PageRequest;
use orgbase_domain::time::Timestamp;
use orgbase_domain::{
    ApiKey, ApiKeyId, Change, ChangeQuery, CustomField, CustomFieldId, CustomFieldPatch,
    CustomFields, Error, ListQuery, Organization, OrganizationId, OrganizationPatch, Page, Result,
    Store, User, UserId, UserPatch,
};

use crate::accounts;
use crate::changes;
use crate::connection::{
    self, ConnectError, DatabaseTarget, Manager, Pool, PoolOptions, PooledConnection,
};
use crate::custom_fields;
use crate::errors::{TxError, from_diesel, from_pool};
use crate::migrations;
use crate::organizations;

/// A [`Store`] on SQLite or PostgreSQL.
#[derive(Debug)]
pub struct DieselStore {
    pool: Pool,
    target: DatabaseTarget,
    /// SQLite takes one writer at a time, and a writer that finds the database locked waits
    /// in SQLite's busy handler, which sleeps in steps of up to 100 ms: under concurrent
    /// writes that put a p99 of half a second on creates. So this process queues its own
    /// SQLite writers here, and each starts the moment the previous one commits. (Other
    /// processes on the same file still meet the busy timeout.) PostgreSQL locks rows.
    sqlite_writers: Option<Mutex<()>>,
}

/// A connection to write with, holding this process's SQLite writer turn (if any) until it
/// is dropped. The turn is taken before the connection, so no thread ever holds a pooled
/// connection while it waits for the turn.
struct Writer<'a> {
    conn: PooledConnection,
    _turn: Option<MutexGuard<'a, ()>>,
}

impl std::ops::Deref for Writer<'_> {
    type Target = PooledConnection;
    fn deref(&self) -> &PooledConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut PooledConnection {
        &mut self.conn
    }
}

impl DieselStore {
    /// Connects to `target` once (so a wrong password or a missing server is reported in the
    /// database's own words) and builds the pool. Migrations are separate:
    /// [`DieselStore::run_migrations`].
    pub fn open(
        target: DatabaseTarget,
        options: &PoolOptions,
    ) -> std::result::Result<Self, ConnectError> {
        let manager = Manager {
            target: target.clone(),
            sqlite_busy_timeout: options.sqlite_busy_timeout,
            sqlite_cache_kib: options.sqlite_cache_kib,
        };
        drop(manager.open()?);
        let sqlite_writers = matches!(target, DatabaseTarget::Sqlite(_)).then(Mutex::default);
        Ok(Self {
            pool: connection::pool(manager, options),
            target,
            sqlite_writers,
        })
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn run_migrations(&self) -> std::result::Result<Vec<String>, ConnectError> {
        let fail = |message: String| ConnectError::Migrate {
            target: self.target.to_string(),
            message,
        };
        let mut conn = self.pool.get().map_err(|e| fail(e.to_string()))?;
        migrations::run_pending(&mut conn).map_err(|e| fail(e.to_string()))
    }

    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    fn conn(&self) -> Result<PooledConnection> {
        self.pool.get().map_err(from_pool)
    }

    fn writer(&self) -> Result<Writer<'_>> {
        // A writer that panicked rolled back; the turn itself holds no data.
        let turn = self
            .sqlite_writers
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(Writer {
            conn: self.conn()?,
            _turn: turn,
        })
    }
}

impl Store for DieselStore {
    fn insert_organization(&self, organization: &Organization) -> Result<Version> {
        organizations::insert(&mut *self.writer()?, organization)
    }

    fn import_organizations(&self, rows: &[ImportRow], now: Timestamp) -> Vec<ImportOutcome> {
        let batched = self.writer().and_then(|mut conn| {
            conn.transaction::<_, TxError, _>(|conn| organizations::import::batch(conn, rows, now))
                .map_err(Error::from)
        });
        // The connection is back in the pool here: the reference path takes its own.
        match batched {
            Ok(outcomes) => outcomes
                .into_iter()
                .zip(rows)
                .map(|(done, row)| done.unwrap_or_else(|| import_row(self, row, now)))
                .collect(),
            Err(error) => {
                tracing::debug!(%error, "an import batch failed as a whole; importing its rows one by one");
                import_rows(self, rows, now)
            }
        }
    }

    fn get_organization(&self, id: OrganizationId) -> Result<Organization> {
        organizations::get(&mut *self.conn()?, id)
    }

    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        organizations::find_by_name(&mut *self.conn()?, name)
    }

    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<Organization> {
        organizations::update(&mut *self.writer()?, id, patch, now, write)
    }

    fn delete_organization(&self, id: OrganizationId, write: Write) -> Result<()> {
        organizations::delete(&mut *self.writer()?, id, write)
    }

    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>> {
        organizations::list(&mut *self.conn()?, query)
    }

    fn check_health(&self) -> Result<()> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map_err(from_diesel)?;
        Ok(())
    }

    fn insert_user(&self, user: &User, actor: Option<UserId>) -> Result<Version> {
        accounts::insert_user(&mut *self.writer()?, user, actor)
    }

    fn get_user(&self, id: UserId) -> Result<User> {
        accounts::get_user(&mut *self.conn()?, id)
    }

    fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>> {
        accounts::get_users(&mut *self.conn()?, ids)
    }

    fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        accounts::find_user_by_email(&mut *self.conn()?, email)
    }

    fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
        accounts::list_users(&mut *self.conn()?, page)
    }

    fn update_user(&self, id: UserId, patch: &UserPatch, write: Write) -> Result<User> {
        accounts::update_user(&mut *self.writer()?, id, patch, write)
    }

    fn delete_user(&self, id: UserId, reassign_to: Option<UserId>, write: Write) -> Result<()> {
        accounts::delete_user(&mut *self.writer()?, id, reassign_to, write)
    }

    fn count_users(&self) -> Result<u64> {
        accounts::count_users(&mut *self.conn()?)
    }

    fn insert_api_key(&self, key: &ApiKey, actor: Option<UserId>) -> Result<Version> {
        accounts::insert_api_key(&mut *self.writer()?, key, actor)
    }

    fn get_api_key(&self, id: ApiKeyId) -> Result<ApiKey> {
        accounts::get_api_key(&mut *self.conn()?, id)
    }

    fn list_api_keys(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<ApiKey>> {
        accounts::list_api_keys(&mut *self.conn()?, user, page)
    }

    fn delete_api_key(&self, id: ApiKeyId, write: Write) -> Result<()> {
        accounts::delete_api_key(&mut *self.writer()?, id, write)
    }

    fn find_api_keys_by_prefix(&self, prefix: &str) -> Result<Vec<(ApiKey, User)>> {
        accounts::find_api_keys_by_prefix(&mut *self.conn()?, prefix)
    }

    fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> Result<()> {
        accounts::touch_api_key(&mut *self.writer()?, id, at)
    }

    fn insert_custom_field(&self, field: &CustomField, actor: Option<UserId>) -> Result<Version> {
        custom_fields::insert(&mut *self.writer()?, field, actor)
    }

    fn get_custom_field(&self, id: CustomFieldId) -> Result<CustomField> {
        custom_fields::get(&mut *self.conn()?, id)
    }

    fn list_custom_fields(&self) -> Result<CustomFields> {
        custom_fields::list(&mut *self.conn()?)
    }

    fn update_custom_field(
        &self,
        id: CustomFieldId,
        patch: &CustomFieldPatch,
        now: Timestamp,
        write: Write,
    ) -> Result<CustomField> {
        custom_fields::update(&mut *self.writer()?, id, patch, now, write)
    }

    fn delete_custom_field(&self, id: CustomFieldId, write: Write) -> Result<()> {
        custom_fields::delete(&mut *self.writer()?, id, write)
    }

    fn list_changes(&self, query: &ChangeQuery) -> Result<Page<Change>> {
        changes::list(&mut *self.conn()?, query)
    }

    fn change_log_state(&self) -> Result<LogState> {
        changes::state(&mut *self.conn()?).map_err(from_diesel)
    }

    fn prune_changes(&self, before: Timestamp, limit: u64) -> Result<u64> {
        changes::prune(&mut *self.writer()?, before, limit)
    }
}
