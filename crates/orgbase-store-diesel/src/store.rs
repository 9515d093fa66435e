use std::sync::{Mutex, MutexGuard, PoisonError};

use diesel::prelude::*;
use orgbase_domain::import::{ImportOutcome, ImportRow, import_row, import_rows};
use orgbase_domain::name::name_key;
use orgbase_domain::query::PageRequest;
use orgbase_domain::time::Timestamp;
use orgbase_domain::{
    ApiKey, ApiKeyId, CustomField, CustomFieldId, CustomFieldPatch, CustomFields, Error, ListQuery,
    Organization, OrganizationId, OrganizationPatch, Page, Result, Store, User, UserId, UserPatch,
};

use crate::accounts;
use crate::connection::{
    self, AnyConnection, ConnectError, DatabaseTarget, Manager, Pool, PoolOptions,
    PooledConnection, on_inner,
};
use crate::custom_fields;
use crate::custom_values;
use crate::errors::{TxError, from_diesel, from_pool};
use crate::import;
use crate::memberships;
use crate::migrations;
use crate::query;
use crate::row::OrganizationRow;
use crate::schema::organizations;

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

// Lookups by a unique key use `get_result`, not `first`: `first` adds `LIMIT ?`, and SQLite
// re-prepares a statement whose LIMIT is a bound parameter at every run unless it is built
// with SQLITE_ENABLE_QPSG (.cargo/config.toml does; a crate depending on this one may not).
// It cost GET one about 40 % of its CPU. The query runs on the inner connection, where
// diesel keeps its SQL with the prepared statement; through `AnyConnection` it writes the SQL
// out again on every call (another 15 %).
fn load(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<OrganizationRow>> {
    on_inner!(conn, |c| organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .get_result(c)
        .optional())
}

/// Records from rows, with their custom values.
pub(crate) fn records(
    conn: &mut AnyConnection,
    rows: Vec<OrganizationRow>,
) -> Result<Vec<Organization>> {
    let mut orgs: Vec<Organization> = rows
        .into_iter()
        .map(Organization::try_from)
        .collect::<Result<_>>()?;
    custom_values::attach(conn, &mut orgs)?;
    Ok(orgs)
}

fn record(conn: &mut AnyConnection, row: OrganizationRow) -> Result<Organization> {
    records(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::Backend("a loaded row vanished".to_owned()))
}

/// A foreign-key violation on an organization write can only be its owner (creator and
/// updater are the caller, who exists).
fn owner_or(error: diesel::result::Error, org: &Organization) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match (&error, org.details.owner_id) {
        (DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _), Some(owner)) => {
            Error::user_not_found(owner)
        }
        _ => from_diesel(error),
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for DieselStore {
    fn insert_organization(&self, organization: &Organization) -> Result<()> {
        let mut conn = self.writer()?;
        conn.transaction::<_, TxError, _>(|conn| {
            diesel::insert_into(organizations::table)
                .values(OrganizationRow::from(organization))
                .execute(conn)?;
            memberships::insert(conn, organization)?;
            custom_values::insert(conn, organization)
        })
        .map_err(|e| match e {
            TxError::Diesel(e) => owner_or(e, organization),
            TxError::Domain(e) => e,
        })
    }

    fn import_organizations(&self, rows: &[ImportRow], now: Timestamp) -> Vec<ImportOutcome> {
        let batched = self.writer().and_then(|mut conn| {
            conn.transaction::<_, TxError, _>(|conn| import::batch(conn, rows, now))
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
        let mut conn = self.conn()?;
        let row = load(&mut conn, &id.to_string())
            .map_err(from_diesel)?
            .ok_or_else(|| Error::organization_not_found(id))?;
        record(&mut conn, row)
    }

    fn find_organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        let mut conn = self.conn()?;
        organizations::table
            .filter(organizations::name_key.eq(name_key(name)))
            .select(OrganizationRow::as_select())
            .get_result(&mut conn)
            .optional()
            .map_err(from_diesel)?
            .map(|row| record(&mut conn, row))
            .transpose()
    }

    fn update_organization(
        &self,
        id: OrganizationId,
        patch: &OrganizationPatch,
        now: Timestamp,
    ) -> Result<Organization> {
        let mut conn = self.writer()?;
        let id_text = id.to_string();
        let updated = conn
            .transaction::<_, TxError, _>(|conn| {
                // Write first: the no-op UPDATE takes the row lock on PostgreSQL and the write lock on
                // SQLite before anything is read, so concurrent read-modify-writes queue up instead
                // of losing updates (or, on SQLite, failing to upgrade a read lock).
                let touched = diesel::update(organizations::table.find(&id_text))
                    .set(organizations::id.eq(organizations::id))
                    .execute(conn)?;
                if touched == 0 {
                    return Err(TxError::Domain(Error::organization_not_found(id)));
                }
                let row = load(conn, &id_text)?
                    .ok_or_else(|| TxError::Domain(Error::organization_not_found(id)))?;
                let mut org = record(conn, row).map_err(TxError::Domain)?;
                let before = org.clone();
                let changed = patch
                    .apply(&mut org, now)
                    .map_err(|errors| TxError::Domain(Error::Invalid(errors)))?;
                if changed {
                    diesel::update(organizations::table.find(&id_text))
                        .set(OrganizationRow::from(&org))
                        .execute(conn)?;
                    memberships::replace(conn, &before, &org)?;
                    custom_values::replace(conn, &before, &org)?;
                }
                Ok(org)
            })
            .map_err(|error| match (error, patch.owner_id) {
                (
                    TxError::Diesel(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                        _,
                    )),
                    Some(Some(owner)),
                ) => Error::user_not_found(owner),
                (other, _) => Error::from(other),
            })?;

        Ok(updated)
    }

    fn delete_organization(&self, id: OrganizationId) -> Result<()> {
        let mut conn = self.writer()?;
        let deleted = diesel::delete(organizations::table.find(id.to_string()))
            .execute(&mut *conn)
            .map_err(from_diesel)?;
        if deleted == 0 {
            return Err(Error::organization_not_found(id));
        }
        Ok(())
    }

    fn list_organizations(&self, query: &ListQuery) -> Result<Page<Organization>> {
        let mut conn = self.conn()?;
        // An unfiltered total comes from the trigger-kept counts: O(1) instead of a scan.
        let total: Option<i64> = match (
            query.with_total,
            query.filters.is_empty() && query.search.is_none(),
        ) {
            (false, _) => None,
            (true, true) => Some(query::counted(&mut conn, query.archived).map_err(from_diesel)?),
            (true, false) => Some(query::count(&mut conn, query)?),
        };
        let size = query.page.size;
        // Without a total, one row more than the page tells whether another page follows.
        let fetch = if total.is_some() {
            size
        } else {
            size.saturating_add(1)
        };
        let rows = query::page(&mut conn, query, to_i64(fetch), to_i64(query.page.offset()))?;
        let mut items = records(&mut conn, rows)?;
        let total = total.map(|t| u64::try_from(t).unwrap_or(0));
        let has_next = match total {
            Some(total) => query.page.offset().saturating_add(items.len() as u64) < total,
            None => {
                let more = items.len() as u64 > size;
                items.truncate(usize::try_from(size).unwrap_or(usize::MAX));
                more
            }
        };
        Ok(Page {
            items,
            total,
            has_next,
        })
    }

    fn check_health(&self) -> Result<()> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map_err(from_diesel)?;
        Ok(())
    }

    fn insert_user(&self, user: &User) -> Result<()> {
        accounts::insert_user(&mut *self.writer()?, user)
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

    fn update_user(&self, id: UserId, patch: &UserPatch) -> Result<User> {
        accounts::update_user(&mut *self.writer()?, id, patch)
    }

    fn delete_user(&self, id: UserId, reassign_to: Option<UserId>) -> Result<()> {
        accounts::delete_user(&mut *self.writer()?, id, reassign_to)
    }

    fn count_users(&self) -> Result<u64> {
        accounts::count_users(&mut *self.conn()?)
    }

    fn insert_api_key(&self, key: &ApiKey) -> Result<()> {
        accounts::insert_api_key(&mut *self.writer()?, key)
    }

    fn get_api_key(&self, id: ApiKeyId) -> Result<ApiKey> {
        accounts::get_api_key(&mut *self.conn()?, id)
    }

    fn list_api_keys(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<ApiKey>> {
        accounts::list_api_keys(&mut *self.conn()?, user, page)
    }

    fn delete_api_key(&self, id: ApiKeyId) -> Result<()> {
        accounts::delete_api_key(&mut *self.writer()?, id)
    }

    fn find_api_keys_by_prefix(&self, prefix: &str) -> Result<Vec<(ApiKey, User)>> {
        accounts::find_api_keys_by_prefix(&mut *self.conn()?, prefix)
    }

    fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> Result<()> {
        accounts::touch_api_key(&mut *self.writer()?, id, at)
    }

    fn insert_custom_field(&self, field: &CustomField) -> Result<()> {
        custom_fields::insert(&mut *self.writer()?, field)
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
    ) -> Result<CustomField> {
        custom_fields::update(&mut *self.writer()?, id, patch, now)
    }

    fn delete_custom_field(&self, id: CustomFieldId) -> Result<()> {
        custom_fields::delete(&mut *self.writer()?, id)
    }
}
